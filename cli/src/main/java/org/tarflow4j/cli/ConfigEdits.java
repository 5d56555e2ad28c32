package org.tarflow4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Stack;
import org.tarflow4j.core.config.ConfigOverride;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code --set} and {@code --unset}, for every command that reads a configuration: the changes in command-line order,
 * as the config loader takes them.
 */
final class ConfigEdits {
    /** How an {@code --unset} travels among the overrides ({@link ConfigOverride#unsetting}): its prefix. */
    private static final String UNSET = ConfigOverride.unsetting("");

    private final List<String> overrides = new ArrayList<>();

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            parameterConsumer = InOrder.class,
            description = "Change a value of the configuration, e.g. train.steps=500, flow[0].coupling=affine or"
                    + " flow[*].coupling=Mix-1 (layers count from 0; flow[*] is every layer). A layer given another"
                    + " coupling, backbone or mixer leaves the old one's options behind.")
    List<String> set = new ArrayList<>();

    @Option(
            names = "--unset",
            paramLabel = "KEY",
            parameterConsumer = InOrder.class,
            description = "Remove a value or a table of the configuration, so its default applies, e.g."
                    + " flow[0].coupling_options or train.batch (the paths of --set).")
    List<String> unset = new ArrayList<>();

    /** The {@code --set} and {@code --unset} values, in the order given. */
    List<String> overrides() {
        return List.copyOf(overrides);
    }

    /** The same edits as command-line arguments, for a command this one starts (the launcher's workers). */
    List<String> args() {
        List<String> args = new ArrayList<>();
        for (String o : overrides)
            if (o.startsWith(UNSET)) args.addAll(List.of("--unset", o.substring(UNSET.length())));
            else args.addAll(List.of("--set", o));
        return args;
    }

    /** Adds each value to {@link #overrides} as it is parsed, so that sets and unsets keep their order. */
    static final class InOrder implements IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec commandSpec) {
            boolean unset = "--unset".equals(((OptionSpec) argSpec).longestName());
            if (args.isEmpty())
                throw new picocli.CommandLine.ParameterException(
                        commandSpec.commandLine(),
                        unset
                                ? "--unset needs a KEY, e.g. --unset flow[0].coupling_options"
                                : "--set needs a KEY=VALUE, e.g. --set train.steps=500");
            String value = args.pop();
            ConfigEdits edits;
            try {
                edits = argSpec.scope().get();
            } catch (Exception e) {
                throw new IllegalStateException("--set and --unset belong to a ConfigEdits", e);
            }
            edits.overrides.add(unset ? ConfigOverride.unsetting(value) : value);
            List<String> list = argSpec.getValue();
            list.add(value);
        }
    }
}
