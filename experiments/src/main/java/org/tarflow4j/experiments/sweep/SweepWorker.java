package org.tarflow4j.experiments.sweep;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.distributed.Launcher;
import org.tarflow4j.trainer.train.Evaluator;
import org.tarflow4j.trainer.train.TrainingListener;

/**
 * Trains one sweep run in its own process: {@code RUN_DIR [--plugins DIR] [--set KEY=VALUE]...}. Exits 0 when the
 * run finished, 1 when it failed (the reason in the run's {@code failed.txt}), and is killed when the sweep's process
 * ends. A native crash leaves its {@code hs_err} log in the run directory. Started with torchrun's variables (by the
 * sweep's launcher, {@code --nproc-per-node}), it is one rank of the run.
 */
public final class SweepWorker {
    /** Rank 0 of a data-parallel run (or the only process) records the run's failure; the others only log it. */
    private static final boolean MAIN =
            System.getenv().getOrDefault("RANK", "0").equals("0");

    private SweepWorker() {}

    public static void main(String[] args) {
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(SweepWorker::die));
        RunFiles run = new RunFiles(Path.of(args[0]));
        Path plugins = null;
        List<String> sets = new ArrayList<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            if (args[i].equals("--plugins")) plugins = Path.of(args[i + 1]);
            else sets.add(args[i + 1]);
        }
        PluginRegistry registry = plugins == null ? PluginRegistry.host() : PluginRegistry.load(plugins);
        int status = 0;
        try {
            run.train(sets, registry, new LogLines(System.out));
        } catch (TarflowException e) {
            System.out.println("error: " + e.getMessage());
            if (MAIN) run.fail(e.getMessage());
            status = 1;
        } catch (RuntimeException e) {
            e.printStackTrace(System.out);
            if (MAIN) run.fail("internal error: " + e);
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    /**
     * Ends this process the way a killed one ends: exiting normally while libtorch works in another thread runs its
     * static destructors under it (a crash); the run's checkpoints are written atomically, so nothing is lost.
     */
    private static void die() {
        try {
            new ProcessBuilder(
                            "kill",
                            "-KILL",
                            Long.toString(ProcessHandle.current().pid()))
                    .start()
                    .waitFor();
        } catch (IOException | InterruptedException e) {
            Runtime.getRuntime().halt(4);
        }
    }

    /** The command that runs a worker on the JVM, module path, class path and JVM options of this process. */
    static List<String> command(Path runDir, Path plugins, List<String> sets) {
        List<String> args = new ArrayList<>(List.of(runDir.toString()));
        if (plugins != null) args.addAll(List.of("--plugins", plugins.toString()));
        for (String s : sets) args.addAll(List.of("--set", s));
        return Launcher.javaCommand(SweepWorker.class, args, runDir);
    }

    /** Progress as plain lines for the run's log: about twenty step lines per run, every validation and warning. */
    private static final class LogLines implements TrainingListener {
        private final PrintStream out;
        private long every = 1;

        LogLines(PrintStream out) {
            this.out = out;
        }

        @Override
        public void started(long startStep, long totalSteps, long parameters, String runDirectory) {
            every = Math.max(1, totalSteps / 20);
            out.printf(
                    "training %,d parameters for %,d steps%s in %s%n",
                    parameters, totalSteps, startStep > 0 ? " (resuming at step " + startStep + ")" : "", runDirectory);
        }

        @Override
        public void step(long step, double loss, double learningRate, double tokensPerSecond) {
            if (step % every == 0)
                out.printf(
                        "step %d: loss %.4f nats/token, lr %.2e, %.0f tokens/s%n",
                        step, loss, learningRate, tokensPerSecond);
        }

        @Override
        public void validated(long step, Evaluator.Evaluation result, boolean best) {
            out.printf("step %d: valid %.4f bits/token%s%n", step, result.bitsPerToken(), best ? " (best)" : "");
        }

        @Override
        public void stage(int stage, long step) {
            out.println("step " + step + ": progressive training moves to layer " + stage);
        }

        @Override
        public void warning(String message) {
            out.println("warning: " + message);
        }
    }
}
