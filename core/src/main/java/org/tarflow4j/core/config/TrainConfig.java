package org.tarflow4j.core.config;

import org.tarflow4j.api.Options;

/**
 * {@code [train]}: the optimisation, in named parts (the table itself is flat: {@code [train] lr = 2e-3}).
 *
 * @param steps       optimizer steps (the budget)
 * @param minutes     wall-clock budget in minutes, 0 for none; training, and the learning-rate decay, end with whichever
 *                    budget ends first
 * @param batch       sequences per micro-batch on each process (rank); an optimizer step reads batch × world size ×
 *                    accumulate sequences (the global batch)
 * @param accumulate  micro-batches per optimizer step
 * @param seed        seeds the parameters, the data windows and the encoder noise
 * @param maxBadSteps consecutive non-finite losses that end the run
 */
public record TrainConfig(
        int steps,
        double minutes,
        int batch,
        int accumulate,
        long seed,
        Optimizer optimizer,
        Cadence cadence,
        Progressive progressive,
        Runtime runtime,
        int maxBadSteps,
        Distributed distributed) {

    /**
     * AdamW with linear warm-up, then cosine decay.
     *
     * @param lr          peak learning rate, reached after {@code warmup} steps, then cosine decay to {@code minLr}
     * @param weightDecay decoupled weight decay of the parameters the model says decay (weight matrices)
     * @param clip        largest global gradient norm, 0 for no clipping
     */
    public record Optimizer(
            double lr, double minLr, int warmup, double weightDecay, double beta1, double beta2, double clip) {}

    /**
     * How often a run validates, checkpoints and logs, in optimizer steps (0: never).
     *
     * @param evalBatches validation batches per periodic validation
     * @param tensorboard also log to TensorBoard event files in the run's {@code tb/} folder
     */
    public record Cadence(int evalEvery, int evalBatches, int checkpointEvery, int logEvery, boolean tensorboard) {}

    /**
     * Progressive layer-wise training.
     *
     * @param enabled    train layer by layer (stage s trains layer s, earlier layers frozen, later ones absent)
     * @param stageSteps steps per stage, 0 for {@code steps / layers}
     * @param patience   validations without improvement that end a stage early, 0 for never
     */
    public record Progressive(boolean enabled, int stageSteps, int patience) {}

    /**
     * Where and how the arithmetic runs.
     *
     * @param bf16    run backbones under bf16 autocast, on the CPU or the GPU, while training and validating (coupling
     *                math stays float64); the final valid and test bounds are computed in float32, as {@code tarflow
     *                eval} computes them
     * @param device  {@code cpu} or {@code cuda[:N]}
     * @param threads CPU threads (libtorch's intra-op pool and OpenBLAS's, which runs its matrix products), 0 for all cores
     * @param tf32    let float32 matmuls on a CUDA device use TF32 tensor cores (10-bit mantissa inputs); no effect on
     *                the CPU
     */
    public record Runtime(boolean bf16, String device, int threads, boolean tf32) {}

    /**
     * Data-parallel training ({@code tarflow train --nproc-per-node N}, or ranks started with torchrun's environment
     * variables); ignored by a single process.
     *
     * @param rendezvousSeconds how long ranks wait for each other to join (and to connect to the master) at the start
     * @param collectiveSeconds how long a rank waits in a collective (the gradient all-reduce, evaluation sums) for
     *                          the others: a rank that died or hangs ends the run after at most this long
     */
    public record Distributed(double rendezvousSeconds, double collectiveSeconds) {}

    /** Sequences per optimizer step in one process ({@code batch × accumulate}); times the world size for the global batch. */
    public long sequencesPerStep() {
        return (long) batch * accumulate;
    }

    static TrainConfig read(Options o) {
        int steps = o.getInt("steps", 2000);
        if (steps < 1)
            throw o.invalid("steps", "is " + steps + "; a run needs at least 1 optimizer step (the default is 2000)");
        double minutes = o.getDouble("minutes", 0, 0, 1e7);
        int batch = o.getInt("batch", 32, 1, 1 << 20);
        int accumulate = o.getInt("accumulate", 1, 1, 1 << 20);
        double lr = o.getDouble("lr", 1e-3, 0, 10);
        if (lr <= 0)
            throw o.invalid("lr", "is " + lr + "; the peak learning rate must be positive (the default is 1e-3)");
        double minLr = o.getDouble("min_lr", 1e-4, 0, 10);
        int warmup = o.getInt("warmup", 100, 0, Integer.MAX_VALUE);
        double weightDecay = o.getDouble("weight_decay", 0.01, 0, 10);
        double beta1 = o.getDouble("beta1", 0.9, 0, 1);
        double beta2 = o.getDouble("beta2", 0.99, 0, 1);
        double clip = o.getDouble("clip", 1.0, 0, 1e9);
        long seed = o.getLong("seed", 0);
        Cadence cadence = new Cadence(
                o.getInt("eval_every", 250, 0, Integer.MAX_VALUE),
                o.getInt("eval_batches", 20, 0, Integer.MAX_VALUE),
                o.getInt("checkpoint_every", 250, 0, Integer.MAX_VALUE),
                o.getInt("log_every", 10, 1, Integer.MAX_VALUE),
                o.getBoolean("tensorboard", true));
        Progressive progressive = new Progressive(
                o.getBoolean("progressive", false),
                o.getInt("stage_steps", 0, 0, Integer.MAX_VALUE),
                o.getInt("stage_patience", 0, 0, Integer.MAX_VALUE));
        Runtime runtime = new Runtime(
                o.getBoolean("bf16", false),
                o.getString("device", "cpu"),
                o.getInt("threads", 0, 0, 4096),
                o.getBoolean("tf32", false));
        int maxBadSteps = o.getInt("max_bad_steps", 5, 1, 1 << 20);
        Distributed distributed = new Distributed(
                o.getDouble("rendezvous_timeout", 300, 1, 86_400), o.getDouble("collective_timeout", 600, 1, 86_400));
        if (!runtime.device().matches("cpu|cuda(:\\d+)?"))
            throw o.invalid("device", "is \"" + runtime.device() + "\", expected \"cpu\", \"cuda\" or \"cuda:N\"");
        if (minLr > lr) throw o.invalid("min_lr", "is " + minLr + ", larger than lr = " + lr);
        return new TrainConfig(
                steps,
                minutes,
                batch,
                accumulate,
                seed,
                new Optimizer(lr, minLr, warmup, weightDecay, beta1, beta2, clip),
                cadence,
                progressive,
                runtime,
                maxBadSteps,
                distributed);
    }
}
