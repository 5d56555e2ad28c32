package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.tarflow4j.experiments.plot.RunPlots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "plot",
        mixinStandardHelpOptions = true,
        description = {
            "Draw the learning curves of one or several training runs as PNGs.",
            "Training and validation BPC (PPL for sub-word corpora, bits per token for runs of different corpora) against"
                    + " steps (" + RunPlots.BY_STEP + ") and against training time (" + RunPlots.BY_TIME + "),"
                    + " read from each run's metrics.jsonl; a run still training is drawn as far as it got."
        })
final class PlotCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "Run directories written by 'tarflow train'.")
    List<Path> runs;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Where the PNGs go (default: RUN_DIR/plots for one run, ./plots for several).")
    Path out;

    @Override
    public void run() {
        Path folder = out != null ? out : runs.size() == 1 ? RunPlots.folder(runs.get(0)) : Path.of(RunPlots.FOLDER);
        PrintWriter printer = spec.commandLine().getOut();
        for (Path png : RunPlots.write(runs, folder)) printer.println(png);
    }
}
