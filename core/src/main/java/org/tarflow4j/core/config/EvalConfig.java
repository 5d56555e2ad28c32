package org.tarflow4j.core.config;

import org.tarflow4j.api.Options;

/**
 * {@code [eval]}: the bound reported on a split.
 *
 * @param samples    latent samples per sequence: 1 gives the ELBO, K &gt; 1 the importance-weighted bound
 * @param maxBatches batches evaluated, 0 for the whole split
 */
public record EvalConfig(String split, int samples, int batch, int maxBatches) {
    static EvalConfig read(Options o) {
        return new EvalConfig(
                o.getChoice("split", "test", "train", "valid", "test"),
                o.getInt("samples", 1, 1, 1 << 16),
                o.getInt("batch", 16, 1, 1 << 20),
                o.getInt("max_batches", 0, 0, Integer.MAX_VALUE));
    }
}
