package org.tarflow4j.trainer.train;

/**
 * Linear warmup to the peak, then cosine decay to the minimum at the end of the budget: the last step, or the end of
 * the wall-clock budget {@code seconds} when that comes first (0: none). Set by hand on every step.
 */
public record LearningRate(double peak, double min, int warmup, long total, double seconds) {
    /** The schedule of {@code [train]}, over its steps or {@code budgetSeconds} of training (0: none). */
    public static LearningRate of(org.tarflow4j.core.config.TrainConfig t, double budgetSeconds) {
        return new LearningRate(
                t.optimizer().lr(), t.optimizer().minLr(), t.optimizer().warmup(), t.steps(), budgetSeconds);
    }

    public double at(long step, double elapsedSeconds) {
        if (step < warmup) return peak * (step + 1) / warmup;
        double progress = (step - warmup) / (double) Math.max(1, total - warmup);
        if (seconds > 0) progress = Math.max(progress, elapsedSeconds / seconds);
        return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
    }
}
