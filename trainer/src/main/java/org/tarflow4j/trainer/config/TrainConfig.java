package org.tarflow4j.trainer.config;

import org.tarflow4j.api.Options;

/**
 * {@code [train]}: the optimisation.
 *
 * @param steps           optimizer steps (the budget)
 * @param minutes         wall-clock budget in minutes, 0 for none; training, and the learning-rate decay, end with whichever budget ends first
 * @param batch           sequences per micro-batch
 * @param accumulate      micro-batches per optimizer step
 * @param lr              peak learning rate, reached after {@code warmup} steps, then cosine decay to {@code minLr}
 * @param progressive     train layer by layer (stage s trains layer s, earlier layers frozen, later ones absent)
 * @param stageSteps      steps per progressive stage, 0 for {@code steps / layers}
 * @param stagePatience   validations without improvement that end a progressive stage early, 0 for never
 * @param bf16            run backbones under bf16 autocast (coupling math stays float64)
 * @param device          {@code cpu} or {@code cuda[:N]}
 * @param threads         libtorch intra-op threads, 0 for all cores
 * @param maxBadSteps     consecutive non-finite losses that end the run
 */
public record TrainConfig(
        int steps,
        double minutes,
        int batch,
        int accumulate,
        double lr,
        double minLr,
        int warmup,
        double weightDecay,
        double beta1,
        double beta2,
        double clip,
        long seed,
        int evalEvery,
        int evalBatches,
        int checkpointEvery,
        int logEvery,
        boolean progressive,
        int stageSteps,
        int stagePatience,
        boolean bf16,
        String device,
        int threads,
        int maxBadSteps) {
    static TrainConfig read(Options o) {
        TrainConfig t = new TrainConfig(
                o.getInt("steps", 2000, 0, Integer.MAX_VALUE),
                o.getDouble("minutes", 0, 0, 1e7),
                o.getInt("batch", 32, 1, 1 << 20),
                o.getInt("accumulate", 1, 1, 1 << 20),
                o.getDouble("lr", 1e-3, 0, 10),
                o.getDouble("min_lr", 1e-4, 0, 10),
                o.getInt("warmup", 100, 0, Integer.MAX_VALUE),
                o.getDouble("weight_decay", 0.01, 0, 10),
                o.getDouble("beta1", 0.9, 0, 1),
                o.getDouble("beta2", 0.99, 0, 1),
                o.getDouble("clip", 1.0, 0, 1e9),
                o.getLong("seed", 0),
                o.getInt("eval_every", 250, 0, Integer.MAX_VALUE),
                o.getInt("eval_batches", 20, 0, Integer.MAX_VALUE),
                o.getInt("checkpoint_every", 250, 0, Integer.MAX_VALUE),
                o.getInt("log_every", 10, 1, Integer.MAX_VALUE),
                o.getBoolean("progressive", false),
                o.getInt("stage_steps", 0, 0, Integer.MAX_VALUE),
                o.getInt("stage_patience", 0, 0, Integer.MAX_VALUE),
                o.getBoolean("bf16", false),
                o.getString("device", "cpu"),
                o.getInt("threads", 0, 0, 4096),
                o.getInt("max_bad_steps", 5, 1, 1 << 20));
        if (!t.device.matches("cpu|cuda(:\\d+)?"))
            throw o.invalid("device", "is \"" + t.device + "\", expected \"cpu\", \"cuda\" or \"cuda:N\"");
        if (t.minLr > t.lr) throw o.invalid("min_lr", "is " + t.minLr + ", larger than lr = " + t.lr);
        return t;
    }
}
