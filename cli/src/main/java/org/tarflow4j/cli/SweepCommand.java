package org.tarflow4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.experiments.sweep.PlannedRun;
import org.tarflow4j.experiments.sweep.Sweep;
import org.tarflow4j.experiments.sweep.SweepListener;
import org.tarflow4j.experiments.sweep.SweepReport;
import org.tarflow4j.experiments.sweep.SweepSpec;
import org.tarflow4j.trainer.distributed.Launcher;
import org.tarflow4j.trainer.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "sweep",
        mixinStandardHelpOptions = true,
        subcommands = SweepCommand.Report.class,
        description = {
            "Train every combination of a base config and swept values, then tabulate and plot the results.",
            "Every combination is checked before the first run. Started again with the same --out, a sweep skips finished runs"
                    + " and resumes unfinished ones (failed runs are tried again). Sweep files: examples/sweeps/README.md."
        })
final class SweepCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Parameters(
            arity = "0..1",
            paramLabel = "BASE.toml|SWEEP.toml",
            description = "A config to sweep around, or a sweep file (default: the built-in config).")
    Path file;

    @Option(
            names = "--grid",
            paramLabel = "KEY=V1,V2,...",
            description = "An axis, e.g. flow[*].coupling=affine,mog,rosenblatt or model.patch=1,2,4; "
                    + "flow.layers=3,4,8 sets the number of flow layers. Every combination of the axes is run.")
    List<String> grid = new ArrayList<>();

    @Mixin
    ConfigEdits edits;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "The sweep directory (default: sweeps/NAME, NAME from the sweep file or the base and axes).")
    Path out;

    @Option(
            names = "--parallel",
            paramLabel = "N",
            defaultValue = "1",
            description =
                    "Runs at a time, each in its own process with the cores split between them (default: 1, in this process).")
    int parallel;

    @Option(
            names = "--nproc-per-node",
            paramLabel = "N",
            description =
                    "Train every run data-parallel in N worker processes (as 'tarflow train --nproc-per-node N').")
    Integer nprocPerNode;

    @Override
    public void run() {
        PrintWriter err = spec.commandLine().getErr();
        SweepSpec sweep = SweepSpec.read(file).with(grid, edits.overrides());
        Path directory = out != null ? out : Path.of("sweeps", sweep.name());
        SweepReport.Summary summary = new Sweep(
                        sweep, directory, parallel, common.registry(), common.pluginsFolder(), new Lines(err), launch())
                .run();
        print(spec.commandLine().getOut(), summary);
    }

    private Launcher.Options launch() {
        return nprocPerNode == null ? null : new Launcher.Options(nprocPerNode, 1, 0, "127.0.0.1", 0);
    }

    static void print(PrintWriter out, SweepReport.Summary summary) {
        try {
            out.print(Files.readString(summary.markdown(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new TarflowException("cannot read " + summary.markdown() + ": " + e.getMessage());
        }
        out.println();
        out.printf("%d runs: %d finished, %d failed%n", summary.runs(), summary.finished(), summary.failed());
        out.println("tables: " + summary.markdown() + ", " + summary.csv());
        summary.plots().forEach(p -> out.println("plot:   " + p));
        out.flush();
    }

    /** Sweep messages as lines, and a progress bar for each run trained in this process. */
    private static final class Lines implements SweepListener {
        private final PrintWriter err;
        private Progress progress;

        Lines(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void message(String line) {
            err.println(line);
            err.flush();
        }

        @Override
        public TrainingListener training(PlannedRun run) {
            progress = new Progress(err);
            return progress;
        }

        @Override
        public void trained(PlannedRun run) {
            progress.close();
        }
    }

    @Command(
            name = "report",
            mixinStandardHelpOptions = true,
            description = "Rebuild results.csv, results.md and the plots of a sweep from its run directories.")
    static final class Report implements Runnable {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "SWEEP_DIR", description = "The sweep directory (it holds sweep.json).")
        Path directory;

        @Override
        public void run() {
            print(spec.commandLine().getOut(), SweepReport.write(directory));
        }
    }
}
