package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.tarflow4j.core.config.ConfigOverride;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every {@code --set} and {@code --unset} example a user can copy, from README.md and from the help of every command
 * ({@code tarflow help COMMAND}, {@code tarflow COMMAND --help}), passes {@code tarflow config check} on the built-in
 * default config.
 */
class SetExamplesTest {
    private static final Path ROOT = Path.of(System.getProperty("tarflow.root"));
    private static final PluginRegistry REGISTRY = PluginRegistry.host();
    /** A config path: a table of the config, then keys, indices allowed ({@code flow[*].coupling_options}). */
    private static final String PATH =
            "(?:model|flow|ar|data|train|eval|sample|couplings|backbones|mixers)(?:\\[(?:\\d+|\\*)])?(?:\\.[\\w-]+)+";
    /** {@code --set 'KEY=VALUE'} or {@code --set KEY=VALUE} in running text. */
    private static final Pattern SET_IN_TEXT = Pattern.compile("--set[ =]'?(" + PATH + "=[^\\s'`),;]+)");

    private static final Pattern UNSET_IN_TEXT = Pattern.compile("--unset[ =]'?(" + PATH + ")");
    /** An example in an option's description: a bare {@code KEY=VALUE} or path. */
    private static final Pattern SET_EXAMPLE = Pattern.compile("(?<![\\w.\\[])(" + PATH + "=[^\\s,;)]+)");

    private static final Pattern UNSET_EXAMPLE = Pattern.compile("(?<![\\w.\\[])(" + PATH + ")(?![\\w=\\[])");

    private record Example(String where, String override) {}

    private static List<Example> readmeExamples() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        List<Example> out = new ArrayList<>();
        Matcher m = SET_IN_TEXT.matcher(readme);
        while (m.find()) out.add(new Example("README.md", m.group(1)));
        m = UNSET_IN_TEXT.matcher(readme);
        while (m.find()) out.add(new Example("README.md", ConfigOverride.unsetting(m.group(1))));
        return out;
    }

    private static List<Example> helpExamples() {
        List<Example> out = new ArrayList<>();
        collect(new CommandLine(new Main()), out);
        return out;
    }

    private static void collect(CommandLine command, List<Example> out) {
        String where =
                "tarflow " + command.getCommandSpec().qualifiedName(" ").replaceFirst("^tarflow ?", "") + " --help";
        String usage = command.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
        Matcher m = SET_IN_TEXT.matcher(usage);
        while (m.find()) out.add(new Example(where, m.group(1)));
        m = UNSET_IN_TEXT.matcher(usage);
        while (m.find()) out.add(new Example(where, ConfigOverride.unsetting(m.group(1))));
        OptionSpec set = command.getCommandSpec().findOption("--set");
        if (set != null) {
            m = SET_EXAMPLE.matcher(String.join(" ", set.description()));
            while (m.find()) out.add(new Example(where + ", --set", m.group(1)));
        }
        OptionSpec unset = command.getCommandSpec().findOption("--unset");
        if (unset != null) {
            m = UNSET_EXAMPLE.matcher(String.join(" ", unset.description()));
            while (m.find()) out.add(new Example(where + ", --unset", ConfigOverride.unsetting(m.group(1))));
        }
        command.getSubcommands().values().forEach(sub -> collect(sub, out));
    }

    @TestFactory
    Stream<DynamicTest> everyExamplePassesConfigCheckOnTheDefault() throws Exception {
        List<Example> readme = readmeExamples();
        List<Example> help = helpExamples();
        assertTrue(readme.size() >= 6, "README.md's --set and --unset examples were found: " + readme);
        assertTrue(
                help.stream().filter(e -> e.where().endsWith("--set")).count() >= 6
                        && help.stream().anyMatch(e -> e.where().endsWith("--unset")),
                "the examples of --set and --unset were found in the help: " + help);
        Set<String> distinct = new LinkedHashSet<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (Example e : concat(readme, help)) {
            if (!distinct.add(e.override())) continue;
            tests.add(DynamicTest.dynamicTest(e.override() + " (" + e.where() + ")", () -> {
                if (e.override().startsWith("data.source=")) {
                    // names a corpus the reader prepares first: the key and its type are checked, not the corpus
                    Tarflow.config(null, List.of(e.override()), REGISTRY);
                    return;
                }
                try (PointerScope scope = new PointerScope()) {
                    Tarflow.checkConfig(null, List.of(e.override()), REGISTRY);
                }
            }));
        }
        return tests.stream();
    }

    private static List<Example> concat(List<Example> a, List<Example> b) {
        List<Example> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
