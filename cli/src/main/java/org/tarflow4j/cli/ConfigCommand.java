package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.distributed.DistributedSampler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

        @Option(
                names = "--nproc-per-node",
                paramLabel = "N",
                defaultValue = "1",
                description = "Processes per node the run will use, for the global batch line (default: 1).")
        int nprocPerNode;

        @Option(
                names = "--nnodes",
                paramLabel = "N",
                defaultValue = "1",
                description = "Nodes the run will use, for the global batch line (default: 1).")
        int nnodes;

        @Override
        public void run() {
            PluginRegistry registry = common.registry();
            TarflowConfig config = Tarflow.config(file, edits.overrides(), registry);
            config.notes().forEach(note -> spec.commandLine().getErr().println("note: " + note));
            PrintWriter out = spec.commandLine().getOut();
            out.print(Tarflow.checkConfig(config, registry));
            out.println("# "
                    + DistributedSampler.describe(
                            config.train().batch(),
                            nprocPerNode * nnodes,
                            config.train().accumulate(),
                            config.model().context()));
            out.flush();
        }
    }
}
