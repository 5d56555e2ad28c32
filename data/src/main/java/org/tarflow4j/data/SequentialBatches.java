package org.tarflow4j.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.TarflowException;

/**
 * Evaluation batches: a whole split, in order, as non-overlapping windows of {@code length} tokens, {@code batch}
 * windows to a tensor ([batch, length] int64; the last full batch may have fewer rows). What is left after the last
 * full window, trimmed to a multiple of {@code multiple} (the patch size), comes last as a [1, rest] tensor. Each
 * iteration makes new tensors: iterate inside a {@code PointerScope}.
 */
public final class SequentialBatches implements Iterable<Tensor> {
    private final TokenSplit split;
    private final int batch;
    private final int length;
    private final long windows;
    private final int rest;
    private final Placement placement;

    /** Batches on the CPU. */
    public SequentialBatches(TokenSplit split, int batch, int length, int multiple) {
        this(split, batch, length, multiple, Placement.CPU);
    }

    /** Batches made on {@code placement}, where the model that reads them is. */
    public SequentialBatches(TokenSplit split, int batch, int length, int multiple, Placement placement) {
        if (batch < 1 || length < 1 || multiple < 1)
            throw new IllegalArgumentException(
                    "batch " + batch + ", length " + length + " and multiple " + multiple + " must be positive");
        if (length % multiple != 0)
            throw new TarflowException("sequence length " + length + " is not a multiple of the patch size " + multiple
                    + "; make model.context a multiple of model.patch");
        split.requireSequence(length);
        this.split = split;
        this.batch = batch;
        this.length = length;
        this.windows = split.size() / length;
        int left = (int) (split.size() % length);
        this.rest = left - left % multiple;
        this.placement = placement;
    }

    /** The tokens the batches cover: the whole split but fewer than {@code multiple} at its end. */
    public long tokens() {
        return windows * length + rest;
    }

    /** The number of tensors an iteration yields. */
    public long batches() {
        return (windows + batch - 1) / batch + (rest > 0 ? 1 : 0);
    }

    /**
     * Tensor {@code index} of an iteration ({@code 0 <= index < batches()}): what the {@code index}-th {@code next()}
     * returns, read on its own (data-parallel evaluation splits the tensors over ranks by index).
     */
    public Tensor batch(long index) {
        long full = (windows + batch - 1) / batch;
        if (index < 0 || index >= batches()) throw new IndexOutOfBoundsException("batch " + index + " of " + batches());
        if (index < full) {
            long window = index * batch;
            int rows = (int) Math.min(batch, windows - window);
            long[] ids = new long[rows * length];
            split.read(window * length, ids, 0, rows * length);
            return placement.longs(ids, rows, length);
        }
        long[] ids = new long[rest];
        split.read(windows * length, ids, 0, rest);
        return placement.longs(ids, 1, rest);
    }

    @Override
    public Iterator<Tensor> iterator() {
        return new Iterator<>() {
            private long next;

            @Override
            public boolean hasNext() {
                return next < batches();
            }

            @Override
            public Tensor next() {
                if (!hasNext()) throw new NoSuchElementException();
                return batch(next++);
            }
        };
    }
}
