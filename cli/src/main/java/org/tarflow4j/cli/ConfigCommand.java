package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
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

        @Option(
                names = "--set",
                paramLabel = "KEY=VALUE",
                description = "Override a value, e.g. train.steps=500 or flow[1].coupling=mog.")
        List<String> overrides = new ArrayList<>();

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
            PrintWriter out = spec.commandLine().getOut();
            out.print(Tarflow.checkConfig(file, overrides, common.registry()));
            TarflowConfig c = ConfigLoader.load(file, overrides);
            out.println("# "
                    + DistributedSampler.describe(
                            c.train().batch(),
                            nprocPerNode * nnodes,
                            c.train().accumulate(),
                            c.model().context()));
            out.flush();
        }
    }
}
