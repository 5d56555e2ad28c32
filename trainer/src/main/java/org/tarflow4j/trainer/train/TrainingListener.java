package org.tarflow4j.trainer.train;

/** What a training run reports as it goes; the command line shows it as a progress bar. */
public interface TrainingListener {
    /** @param startStep the step the run starts (or resumes) at */
    default void started(long startStep, long totalSteps, long parameters, String runDirectory) {}

    /** @param loss nats per token of the step's batch; {@code NaN} when the step was skipped */
    default void step(long step, double loss, double learningRate, double tokensPerSecond) {}

    default void validated(long step, Evaluator.Evaluation result, boolean best) {}

    /** Progressive training moved to the next layer. */
    default void stage(int stage, long step) {}

    default void warning(String message) {}
}
