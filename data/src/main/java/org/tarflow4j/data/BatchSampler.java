package org.tarflow4j.data;

import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Placement;

/**
 * Training batches: windows of {@code length} tokens at uniformly random offsets of a split. Step {@code step} has an
 * unbounded sequence of rows, row {@code j} a window drawn from (seed, step, j) alone; a batch is a range of those rows.
 * A run reads rows {@code [0, sequences per step)} of every step, however it splits them over micro-batches and
 * processes, so an interrupted run resumes exactly and data-parallel ranks read disjoint rows. Thread-safe.
 */
public final class BatchSampler {
    private final TokenSplit split;
    private final int batch;
    private final int length;
    private final long seed;
    private final Placement placement;

    /**
     * Batches on the CPU.
     *
     * @param batch the rows {@link #batch(long)} and {@link #offsets(long)} read: the first of each step
     */
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

    /** The window offsets of rows {@code [0, batch)} of step {@code step}. */
    public long[] offsets(long step) {
        return offsets(step, 0, batch);
    }

    /** The window offsets of rows {@code [first, first + rows)} of step {@code step}. */
    public long[] offsets(long step, long first, int rows) {
        if (first < 0 || rows < 1)
            throw new IllegalArgumentException("rows " + first + " + " + rows + " of a step must be a positive range");
        SplitMix random = new SplitMix(seed, step);
        long range = split.size() - length + 1;
        for (long j = 0; j < first; j++) random.below(range);
        long[] offsets = new long[rows];
        for (int b = 0; b < rows; b++) offsets[b] = random.below(range);
        return offsets;
    }

    /** Rows {@code [0, batch)} of step {@code step}: [batch, length] int64 token ids. */
    public Tensor batch(long step) {
        return batch(step, 0, batch);
    }

    /** Rows {@code [first, first + rows)} of step {@code step}: [rows, length] int64 token ids, on this sampler's placement. */
    public Tensor batch(long step, long first, int rows) {
        long[] offsets = offsets(step, first, rows);
        long[] ids = new long[rows * length];
        for (int b = 0; b < rows; b++) split.read(offsets[b], ids, b * length, length);
        return placement.longs(ids, rows, length);
    }

    public int batchSize() {
        return batch;
    }

    public int length() {
        return length;
    }

    public long seed() {
        return seed;
    }
}
