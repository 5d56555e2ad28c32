package org.tarflow4j.data;

import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Placement;

/**
 * Training batches: {@code batch} windows of {@code length} tokens at uniformly random offsets of a split. Batch
 * {@code step} is a function of (seed, step) alone, so an interrupted run resumes exactly. Thread-safe.
 */
public final class BatchSampler {
    private final TokenSplit split;
    private final int batch;
    private final int length;
    private final long seed;
    private final Placement placement;

    /** Batches on the CPU. */
    public BatchSampler(TokenSplit split, int batch, int length, long seed) {
        this(split, batch, length, seed, Placement.CPU);
    }

    /** Batches made on {@code placement}, where the model that reads them is. */
    public BatchSampler(TokenSplit split, int batch, int length, long seed, Placement placement) {
        if (batch < 1 || length < 1)
            throw new IllegalArgumentException("batch " + batch + " and length " + length + " must be positive");
        split.requireSequence(length);
        this.split = split;
        this.batch = batch;
        this.length = length;
        this.seed = seed;
        this.placement = placement;
    }

    /** The window offsets of batch {@code step}. */
    public long[] offsets(long step) {
        SplitMix random = new SplitMix(seed, step);
        long[] offsets = new long[batch];
        for (int b = 0; b < batch; b++) offsets[b] = random.below(split.size() - length + 1);
        return offsets;
    }

    /** Batch {@code step}: [batch, length] int64 token ids, on this sampler's placement. */
    public Tensor batch(long step) {
        long[] offsets = offsets(step);
        long[] ids = new long[batch * length];
        for (int b = 0; b < batch; b++) split.read(offsets[b], ids, b * length, length);
        return placement.longs(ids, batch, length);
    }

    public int batchSize() {
        return batch;
    }

    public int length() {
        return length;
    }
}
