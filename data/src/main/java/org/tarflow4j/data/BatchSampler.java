package org.tarflow4j.data;

import org.bytedeco.pytorch.Tensor;

/**
 * Training batches: {@code batch} windows of {@code length} tokens at uniformly random offsets of a split. Batch
 * {@code step} is a function of (seed, step) alone, so an interrupted run resumes exactly. Thread-safe.
 */
public final class BatchSampler {
    private final TokenSplit split;
    private final int batch;
    private final int length;
    private final long seed;

    public BatchSampler(TokenSplit split, int batch, int length, long seed) {
        if (batch < 1 || length < 1)
            throw new IllegalArgumentException("batch " + batch + " and length " + length + " must be positive");
        split.requireSequence(length);
        this.split = split;
        this.batch = batch;
        this.length = length;
        this.seed = seed;
    }

    /** The window offsets of batch {@code step}. */
    public long[] offsets(long step) {
        SplitMix random = new SplitMix(seed, step);
        long[] offsets = new long[batch];
        for (int b = 0; b < batch; b++) offsets[b] = random.below(split.size() - length + 1);
        return offsets;
    }

    /** Batch {@code step}: [batch, length] int64 token ids. */
    public Tensor batch(long step) {
        long[] offsets = offsets(step);
        long[] ids = new long[batch * length];
        for (int b = 0; b < batch; b++) split.read(offsets[b], ids, b * length, length);
        return Tensor.create(ids, batch, length);
    }

    public int batchSize() {
        return batch;
    }

    public int length() {
        return length;
    }
}
