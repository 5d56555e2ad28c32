package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.tarflow4j.core.Metric;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.experiments.plot.RunPlots;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.distributed.Launcher;
import org.tarflow4j.trainer.train.Evaluator;
import org.tarflow4j.trainer.train.Interrupts;
import org.tarflow4j.trainer.train.RunDirectory;
import org.tarflow4j.trainer.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = "Train a model (the built-in default: a small Mix-d TarFlowLM on the embedded corpus).")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    Common common;

    @Mixin
    LaunchOptions launch;

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
            names = "--run-dir",
            paramLabel = "DIR",
            description = "Where the run's files go (default: a new folder under --runs).")
    Path runDir;

    @Option(
            names = "--runs",
            paramLabel = "DIR",
            defaultValue = "runs",
            description = "Parent folder of new run directories (default: runs).")
    Path runs;

    @Option(
            names = "--resume",
            paramLabel = "RUN_DIR",
            description = "Continue an interrupted run from its last checkpoint.")
    Path resume;

    @Option(
            names = "--overwrite",
            description = "Train into a --run-dir that holds a run: delete that run's files first (config.toml,"
                    + " metrics.jsonl, last.ckpt, best.ckpt, result.json, eval-*.json, tb/, plots/).")
    boolean overwrite;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (resume != null && file != null)
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(),
                    "--resume continues with the run's own config; give no CONFIG.toml (use --set to change values)");
        if (resume != null && overwrite)
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--overwrite deletes a run and --resume continues it; give one of them");
        if (launch.requested()) return launchWorkers();
        Trainer.Outcome o;
        try (Progress progress = new Progress(spec.commandLine().getErr())) {
            Interrupts.install(progress::notice);
            o = resume != null
                    ? Tarflow.resume(resume, edits.overrides(), common.registry(), progress)
                    : Tarflow.train(
                            file,
                            edits.overrides(),
                            runDir,
                            runs,
                            overwrite ? RunDirectory.Start.OVERWRITE : RunDirectory.Start.FRESH,
                            common.registry(),
                            progress);
        }
        out.printf(
                "trained %d steps in %.1f min, %.0f tokens/s, %,d parameters, peak memory %.0f MiB%n",
                o.steps(), o.seconds() / 60, o.tokensPerSecond(), o.parameters(), o.peakMebibytes());
        if (o.deviceMemory() != null)
            out.printf(
                    "%s peak memory: %.0f MiB allocated, %.0f MiB reserved by the caching allocator%n",
                    o.deviceMemory().device(),
                    o.deviceMemory().peakAllocatedMiB(),
                    o.deviceMemory().peakReservedMiB());
        out.println(describe(o.valid(), o.metric()));
        out.println(describe(o.test(), o.metric()));
        out.println("run directory: " + o.run().root());
        if (!System.getenv().getOrDefault("RANK", "0").equals("0")) return 0; // rank 0 draws the run's plots
        Path plots = RunPlots.folder(o.run().root());
        RunPlots.write(List.of(o.run().root()), plots);
        out.println("learning curves: " + plots);
        return 0;
    }

    /**
     * torchrun's role: starts this node's workers, each running this command without the launch options, in one run
     * directory, and waits for them. Rank 0 prints what a single process prints; a failure is one line.
     */
    private int launchWorkers() {
        Launcher.Options options = launch.options();
        if (options.nnodes() > 1 && runDir == null && resume == null)
            throw new TarflowException("--nnodes " + options.nnodes() + " needs --run-dir DIR (or --resume DIR) on a"
                    + " file system every node sees: the nodes must agree on the run directory");
        if (resume == null) Tarflow.checkLaunch(file, edits.overrides(), common.registry());
        Path dir = resume != null
                ? resume
                : runDir != null ? runDir : Tarflow.newRunDirectory(file, edits.overrides(), runs, common.registry());
        List<String> args = new ArrayList<>(List.of("train"));
        if (file != null) args.add(file.toString());
        if (resume != null) args.addAll(List.of("--resume", resume.toString()));
        else args.addAll(List.of("--run-dir", dir.toString()));
        if (overwrite) args.add("--overwrite");
        args.addAll(edits.args());
        args.addAll(common.args());
        List<String> command = Launcher.javaCommand(Main.class, args, dir);
        String[] failure = new String[1];
        int status = Launcher.run(
                options,
                command,
                Launcher.MainOutput.copyTo(
                        spec.commandLine().getOut(), spec.commandLine().getErr()),
                dir,
                line -> failure[0] = line);
        if (failure[0] != null)
            throw new TarflowException(failure[0] + ". The run stopped; " + Tarflow.whereToContinue(dir));
        return status;
    }

    static String describe(Evaluator.Evaluation e, Metric metric) {
        return String.format(
                "%-5s %s (%.4f nats/token, %s over %,d tokens)",
                e.split(),
                metric.format(e.natsPerToken()),
                e.natsPerToken(),
                switch (e.estimator()) {
                    case "elbo" -> "ELBO";
                    case "importance-weighted" -> "IW bound, K=" + e.samples();
                    default -> e.estimator();
                },
                e.tokens());
    }
}
