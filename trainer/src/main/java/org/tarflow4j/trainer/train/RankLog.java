package org.tarflow4j.trainer.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import org.tarflow4j.core.TarflowException;

/**
 * What a data-parallel rank other than 0 reports, as lines in {@code rank-<r>.log} of the run directory (rank 0 shows
 * the progress bar and writes the run's files): about twenty step lines per run, every validation, stage and warning.
 * Lines are appended, so the launcher can send the process's own output to the same file.
 */
public final class RankLog implements TrainingListener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private final Path file;
    private final int rank;
    private long every = 1;

    public RankLog(RunDirectory run, int rank) {
        this.file = run.root().resolve("rank-" + rank + ".log");
        this.rank = rank;
        try {
            Files.createDirectories(run.root());
        } catch (IOException e) {
            throw new TarflowException("cannot create run directory " + run.root() + ": " + e.getMessage());
        }
    }

    @Override
    public void started(long startStep, long totalSteps, long parameters, String runDirectory) {
        every = Math.max(1, totalSteps / 20);
        line(String.format(
                "rank %d: training %,d parameters for %,d steps%s in %s",
                rank,
                parameters,
                totalSteps,
                startStep > 0 ? " (resuming at step " + startStep + ")" : "",
                runDirectory));
    }

    @Override
    public void step(long step, double loss, double learningRate, double tokensPerSecond) {
        if (step % every == 0)
            line(String.format(
                    "step %d: loss %.4f nats/token (mean over ranks), lr %.2e, %.0f tokens/s (all ranks)",
                    step, loss, learningRate, tokensPerSecond));
    }

    @Override
    public void validated(long step, Evaluator.Evaluation result, boolean best) {
        line(String.format("step %d: valid %.4f bits/token%s", step, result.bitsPerToken(), best ? " (best)" : ""));
    }

    @Override
    public void stage(int stage, long step) {
        line("step " + step + ": progressive training moves to layer " + stage);
    }

    @Override
    public void warning(String message) {
        line("warning: " + message);
    }

    private void line(String text) {
        try {
            Files.writeString(
                    file,
                    LocalTime.now().format(TIME) + " " + text + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new TarflowException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
