package org.tarflow4j.cli;

import java.nio.file.Path;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Work with configuration files.",
        subcommands = ConfigCommand.Check.class)
final class ConfigCommand {
    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description = "Validate a config (its components included) and print it with every default filled in.")
    static final class Check implements Runnable {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Parameters(
                arity = "0..1",
                paramLabel = "CONFIG.toml",
                description = "The config file (default: the built-in default).")
        Path file;

        @Mixin
        ConfigEdits edits;

        @Override
        public void run() {
            PluginRegistry registry = common.registry();
            TarflowConfig config = Tarflow.config(file, edits.overrides(), registry);
            config.notes().forEach(note -> spec.commandLine().getErr().println("note: " + note));
            spec.commandLine().getOut().print(Tarflow.checkConfig(config, registry));
            spec.commandLine().getOut().flush();
        }
    }
}
