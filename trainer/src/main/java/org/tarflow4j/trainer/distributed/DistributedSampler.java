package org.tarflow4j.trainer.distributed;

import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.data.BatchSampler;

/**
 * This rank's shard of every optimizer step's data (PyTorch's {@code DistributedSampler}, for random windows). Step
 * {@code s} reads rows {@code [0, G)} of the training sampler's row sequence for {@code s}, where the global batch
 * {@code G = batch × world size × accumulate}; micro-batch {@code a} of rank {@code r} reads the {@code batch} rows
 * from {@code (a · world size + r) · batch}. Row {@code j}'s window and its encoder noise are functions of
 * (seed, step, j) alone, so shards are disjoint and deterministic, and any split of the same global batch over
 * processes and micro-batches trains on exactly the same sequences with the same noise: two ranks with batch b read
 * what one process reads with batch b and {@code accumulate = 2}, or with batch 2b.
 */
public final class DistributedSampler {
    private final BatchSampler rows;
    private final int batch;
    private final int rank;
    private final int worldSize;

    /** This rank's micro-batch: token ids, and the seed of each row's randomness. */
    public record Batch(Tensor ids, long[] noiseSeeds) {
        /**
         * A seed for libtorch's global generator while this micro-batch trains (dropout masks): a function of the
         * step and the micro-batch's first row, so a resumed run draws the same masks with the same launch.
         */
        public long generatorSeed() {
            return DistributedSampler.mix(noiseSeeds[0] ^ 0x2545F4914F6CDD1DL) & Long.MAX_VALUE;
        }
    }

    public DistributedSampler(BatchSampler rows, int batch, int rank, int worldSize) {
        if (rank < 0 || rank >= worldSize) throw new IllegalArgumentException("rank " + rank + " of " + worldSize);
        this.rows = rows;
        this.batch = batch;
        this.rank = rank;
        this.worldSize = worldSize;
    }

    /** Micro-batch {@code micro} of step {@code step} on this rank: [batch, length] token ids and the rows' seeds. */
    public Batch batch(long step, int micro) {
        long first = firstRow(micro);
        long[] seeds = new long[batch];
        for (int i = 0; i < batch; i++) seeds[i] = noiseSeed(rows.seed(), step, first + i);
        return new Batch(rows.batch(step, first, batch), seeds);
    }

    /** The first row of step's global batch that micro-batch {@code micro} of this rank reads. */
    public long firstRow(int micro) {
        return ((long) micro * worldSize + rank) * batch;
    }

    public int length() {
        return rows.length();
    }

    /** The encoder noise of row {@code row} of step {@code step}: a function of the seed and its place in the run. */
    public static long noiseSeed(long seed, long step, long row) {
        long z = seed * 0x9E3779B97F4A7C15L + step;
        z = mix(z) + row * 0xD1B54A32D192ED03L;
        return mix(z) & Long.MAX_VALUE;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * How an optimizer step's batch is made, as {@code config check} and the trainer print it: "global batch 128
     * sequences (16,384 tokens) = 32 per rank × 1 rank × 4 micro-batches".
     */
    public static String describe(int batch, int worldSize, int accumulate, int context) {
        long global = (long) batch * worldSize * accumulate;
        return String.format(
                "global batch %,d sequences (%,d tokens) = %d per rank (train.batch) × %d rank%s (world size) × %d"
                        + " micro-batch%s (train.accumulate)",
                global,
                global * context,
                batch,
                worldSize,
                worldSize == 1 ? "" : "s",
                accumulate,
                accumulate == 1 ? "" : "es");
    }
}
