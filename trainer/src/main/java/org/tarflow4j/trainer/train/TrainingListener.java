package org.tarflow4j.trainer.train;

import java.util.List;
import org.tarflow4j.trainer.checkpoint.LoadedModel;

/**
 * What a training run reports as it goes; the command line shows it as a progress bar, the TensorBoard listener writes
 * it to event files. Every method has a default, and the richer ones ({@link #step(Step)}, {@link #validated(long,
 * Evaluator.Evaluation, boolean, LoadedModel)}) pass on to the plain ones, so a listener overrides what it needs.
 */
public interface TrainingListener {
    /** @param startStep the step the run starts (or resumes) at */
    default void started(long startStep, long totalSteps, long parameters, String runDirectory) {}

    /** @param loss nats per token of the step's batch; {@code NaN} when the step was skipped */
    default void step(long step, double loss, double learningRate, double tokensPerSecond) {}

    /** An optimizer step with all that was measured of it; passed on to {@link #step(long, double, double, double)}. */
    default void step(Step step) {
        step(step.step(), step.loss(), step.learningRate(), step.tokensPerSecond());
    }

    default void validated(long step, Evaluator.Evaluation result, boolean best) {}

    /**
     * A periodic validation with the model as validated, in evaluation mode for the length of the call, for listeners
     * that look inside it (samples, the multi-pass view, histograms). Randomness drawn here does not change training
     * (every step seeds its own). Passed on to {@link #validated(long, Evaluator.Evaluation, boolean)}.
     *
     * @param model the model being trained, with its configuration and tokenizer; its checkpoint is the run's
     *     {@code last.ckpt}, which may be older than the model
     */
    default void validated(long step, Evaluator.Evaluation result, boolean best, LoadedModel model) {
        validated(step, result, best);
    }

    /** Progressive training moved to the next layer. */
    default void stage(int stage, long step) {}

    default void warning(String message) {}

    /** Something the configuration's overrides did that the user should hear of, e.g. options that were dropped. */
    default void note(String message) {}

    /** The run ended with its final evaluations (not called when it fails). */
    default void finished(Trainer.Outcome outcome) {}

    /**
     * One optimizer step.
     *
     * @param step         the number of steps taken, this one included
     * @param loss         nats per token of the step's batch; {@code NaN} when the step was skipped
     * @param gradientNorm the global L2 norm of the gradient before clipping; {@code NaN} when the step was skipped
     */
    record Step(long step, double loss, double learningRate, double tokensPerSecond, double gradientNorm) {
        /** The step was not applied: its loss or gradient was not finite. */
        public boolean skipped() {
            return Double.isNaN(loss);
        }
    }

    /** Every call goes to each of {@code listeners} in order. */
    static TrainingListener all(TrainingListener... listeners) {
        List<TrainingListener> each = List.of(listeners);
        return new TrainingListener() {
            @Override
            public void started(long startStep, long totalSteps, long parameters, String runDirectory) {
                each.forEach(l -> l.started(startStep, totalSteps, parameters, runDirectory));
            }

            @Override
            public void step(Step step) {
                each.forEach(l -> l.step(step));
            }

            @Override
            public void validated(long step, Evaluator.Evaluation result, boolean best, LoadedModel model) {
                each.forEach(l -> l.validated(step, result, best, model));
            }

            @Override
            public void stage(int stage, long step) {
                each.forEach(l -> l.stage(stage, step));
            }

            @Override
            public void warning(String message) {
                each.forEach(l -> l.warning(message));
            }

            @Override
            public void note(String message) {
                each.forEach(l -> l.note(message));
            }

            @Override
            public void finished(Trainer.Outcome outcome) {
                each.forEach(l -> l.finished(outcome));
            }
        };
    }
}
