package org.tarflow4j.backbone.transformer;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Backbone;

/**
 * Incremental decoding with one key-value cache per block: each position costs one position's projections and
 * an attention over the cache. For sampling only: it runs without gradients.
 */
final class TransformerStepper implements Backbone.Stepper {
    private final TransformerBackbone backbone;
    private final long batch;
    private final long offset;
    private final KeyValueCache[] caches;
    private Tensor token;
    private long position;
    private boolean cached;
    private boolean closed;

    TransformerStepper(TransformerBackbone backbone, long batch, long offset) {
        this.backbone = backbone;
        this.batch = batch;
        this.offset = offset;
        this.caches = new KeyValueCache[backbone.depth()];
        for (int i = 0; i < caches.length; i++) caches[i] = new KeyValueCache(backbone.positions());
        try (NoGradGuard noGrad = new NoGradGuard()) {
            token = backbone.startToken(batch).retainReference();
        }
    }

    @Override
    public Tensor next() {
        checkOpen();
        if (offset + position >= backbone.positions())
            throw new IllegalStateException(
                    "the stepper is past the last of the backbone's " + backbone.positions() + " positions");
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor features = backbone.step(token, position, offset, caches);
            cached = true;
            return features;
        }
    }

    @Override
    public void accept(Tensor x) {
        checkOpen();
        backbone.checkChannels(x);
        if (x.size(0) != batch || x.size(1) != 1)
            throw new IllegalArgumentException(
                    "stepper input must be one position of a batch of " + batch + " sequences, [" + batch
                            + ", 1, C], got [" + x.size(0) + ", " + x.size(1) + ", " + x.size(2) + "]");
        if (!cached) next(); // the position's keys and values are needed even if its features were not
        try (NoGradGuard noGrad = new NoGradGuard()) {
            Tensor embedded = backbone.embed(x).retainReference();
            token.releaseReference();
            token = embedded;
        }
        position++;
        cached = false;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (KeyValueCache cache : caches) cache.release();
        token.releaseReference();
        token = null;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the stepper is closed");
    }
}
