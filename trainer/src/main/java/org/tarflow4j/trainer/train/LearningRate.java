package org.tarflow4j.trainer.train;

/** Linear warmup to the peak, then cosine decay to the minimum at the last step (set by hand on every step). */
public record LearningRate(double peak, double min, int warmup, long total) {
    public double at(long step) {
        if (step < warmup) return peak * (step + 1) / warmup;
        double progress = Math.min(1.0, (step - warmup) / (double) Math.max(1, total - warmup));
        return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
