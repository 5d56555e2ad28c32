package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.text.DecimalFormat;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import org.tarflow4j.trainer.train.Evaluator;
import org.tarflow4j.trainer.train.TrainingListener;

/**
 * Shows training as a progress bar with step, loss, bits per token, tokens/s and ETA; validations, warnings and signal
 * notices as lines of their own. The bar is drawn through this object, so a line never lands on the bar's line: on a
 * terminal the bar is cleared first and drawn again below, in a log the bar's line is ended first.
 */
final class Progress implements TrainingListener, AutoCloseable {
    /** Wide enough for the bar and its message when the width of a pipe or a narrow terminal would crop both. */
    private static final int WIDTH = 130;

    private final PrintWriter err;
    private final boolean terminal = System.console() != null;
    private ProgressBar bar;
    /** Characters of the bar on the current line; 0 when the line is empty. */
    private int shown;

    Progress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void started(long startStep, long totalSteps, long parameters, String runDirectory) {
        message(String.format(
                "training %,d parameters for %,d steps%s; run directory %s",
                parameters, totalSteps, startStep > 0 ? " (resuming at step " + startStep + ")" : "", runDirectory));
        bar = new ProgressBarBuilder()
                .setTaskName("train")
                .setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .showSpeed(new DecimalFormat("0.0"))
                .startsFrom(startStep, Duration.ZERO) // a resumed run's speed and ETA count this process's steps
                .setConsumer(new Line())
                .build();
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

    /** A line from another thread (a signal's notice). */
    void notice(String line) {
        message(line);
    }

    private synchronized void message(String line) {
        if (shown > 0) {
            if (terminal) err.print("\r" + " ".repeat(shown) + "\r");
            else err.println();
            shown = 0;
        }
        err.println(line);
        err.flush();
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }

    /** Where the bar draws itself: through the same lock as the lines. */
    private final class Line implements ProgressBarConsumer {
        @Override
        public int getMaxRenderedLength() {
            return WIDTH;
        }

        @Override
        public void accept(String rendered) {
            synchronized (Progress.this) {
                err.print("\r" + rendered);
                err.flush();
                shown = rendered.length();
            }
        }

        @Override
        public void close() {
            synchronized (Progress.this) {
                if (shown > 0) err.println();
                err.flush();
                shown = 0;
            }
        }
    }
}
