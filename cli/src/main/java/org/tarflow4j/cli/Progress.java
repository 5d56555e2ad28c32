package org.tarflow4j.cli;

import java.io.PrintWriter;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.tarflow4j.trainer.train.Evaluator;
import org.tarflow4j.trainer.train.TrainingListener;

/** Shows training as a progress bar with step, loss, bits per token, tokens/s and ETA; validations and warnings as lines. */
final class Progress implements TrainingListener, AutoCloseable {
    /** Wide enough for the bar and its message when the width of a pipe or a narrow terminal would crop both. */
    private static final int WIDTH = 130;

    private final PrintWriter err;
    private ProgressBar bar;

    Progress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void started(long startStep, long totalSteps, long parameters, String runDirectory) {
        err.printf(
                "training %,d parameters for %,d steps%s; run directory %s%n",
                parameters, totalSteps, startStep > 0 ? " (resuming at step " + startStep + ")" : "", runDirectory);
        err.flush();
        bar = new ProgressBarBuilder()
                .setTaskName("train")
                .setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .showSpeed()
                .setMaxRenderedLength(WIDTH)
                .build();
        bar.stepTo(startStep);
    }

    @Override
    public void step(long step, double loss, double learningRate, double tokensPerSecond) {
        bar.stepTo(step);
        bar.setExtraMessage(
                String.format(" loss %.3f  %.3f bits/tok  %.0f tok/s", loss, loss / Math.log(2), tokensPerSecond));
    }

    @Override
    public void validated(long step, Evaluator.Evaluation result, boolean best) {
        message(String.format("step %d: valid %.4f bits/token%s", step, result.bitsPerToken(), best ? " (best)" : ""));
    }

    @Override
    public void stage(int stage, long step) {
        message("step " + step + ": progressive training moves to layer " + stage);
    }

    @Override
    public void warning(String message) {
        message("warning: " + message);
    }

    @Override
    public void note(String message) {
        message("note: " + message);
    }

    private void message(String line) {
        if (bar != null) bar.pause();
        err.println(line);
        err.flush();
        if (bar != null) bar.resume();
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
