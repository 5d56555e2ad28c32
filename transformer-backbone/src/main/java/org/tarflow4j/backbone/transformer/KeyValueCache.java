package org.tarflow4j.backbone.transformer;

import org.bytedeco.pytorch.Tensor;

/**
 * Keys and values {@code [B, H, capacity, D/H]} of the positions one attention layer has seen, grown by doubling
 * up to the backbone's position limit. Its tensors are retained, so they outlive the callers' pointer scopes,
 * until {@link #release()}.
 */
final class KeyValueCache {
    private static final long INITIAL_CAPACITY = 64;

    private final long limit;
    private Tensor keys;
    private Tensor values;

    KeyValueCache(long limit) {
        this.limit = limit;
    }

    /** Stores {@code k, v [B, H, 1, D/H]} at {@code position}, overwriting what was there. */
    void write(long position, Tensor k, Tensor v) {
        if (keys == null || keys.size(2) <= position)
            grow(k, v, Math.min(limit, Math.max(INITIAL_CAPACITY, 2 * position)));
        keys.narrow(2, position, 1).copy_(k);
        values.narrow(2, position, 1).copy_(v);
    }

    /** Keys of positions {@code [0, length)}. */
    Tensor keys(long length) {
        return keys.narrow(2, 0, length);
    }

    /** Values of positions {@code [0, length)}. */
    Tensor values(long length) {
        return values.narrow(2, 0, length);
    }

    void release() {
        if (keys == null) return;
        keys.releaseReference();
        values.releaseReference();
        keys = null;
        values = null;
    }

    private void grow(Tensor k, Tensor v, long capacity) {
        Tensor newKeys = k.new_zeros(k.size(0), k.size(1), capacity, k.size(3)).retainReference();
        Tensor newValues =
                v.new_zeros(v.size(0), v.size(1), capacity, v.size(3)).retainReference();
        if (keys != null) {
            long filled = keys.size(2);
            newKeys.narrow(2, 0, filled).copy_(keys);
            newValues.narrow(2, 0, filled).copy_(values);
        }
        release();
        keys = newKeys;
        values = newValues;
    }
}
