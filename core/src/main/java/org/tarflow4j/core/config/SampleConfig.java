package org.tarflow4j.core.config;

import org.tarflow4j.api.Options;

/**
 * {@code [sample]}: generation defaults.
 *
 * @param length       tokens per sample, 0 for the model's context
 * @param temperature  scale of the noise {@code u ~ N(0, T² I)}
 * @param decode       {@code argmax} or {@code sample} from the tied decoder
 * @param jacobi       invert layers by parallel fixed-point iteration instead of position by position
 * @param jacobiBlock  positions solved together per Jacobi block, 0 for all
 * @param jacobiTol    distance to the sequential (KV-cache) inverse that Jacobi iteration accepts per position of a
 *                     layer: a position settles when its change in a sweep and its estimated distance (the
 *                     contraction rate ρ measured between sweeps times the largest change before it, over 1 − ρ), and
 *                     those of every position before it, are within it
 * @param jacobiIters  iteration cap per Jacobi block
 * @param jacobiStepped data-side layers that Jacobi generation still inverts position by position (the selective
 *                     schedule): the layer next to the data turns latents into near-discrete token means, and its
 *                     inverse is sampling tokens, which a parallel sweep advances by about one position
 */
public record SampleConfig(
        int num,
        int length,
        double temperature,
        String decode,
        boolean jacobi,
        int jacobiBlock,
        double jacobiTol,
        int jacobiIters,
        int jacobiStepped,
        long seed) {
    static SampleConfig read(Options o) {
        return new SampleConfig(
                o.getInt("num", 4, 1, 1 << 20),
                o.getInt("length", 0, 0, 1 << 20),
                o.getDouble("temperature", 1.0, 0, 100),
                o.getChoice("decode", "argmax", "argmax", "sample"),
                o.getBoolean("jacobi", false),
                o.getInt("jacobi_block", 0, 0, 1 << 20),
                o.getDouble("jacobi_tol", 1e-4, 0, 1),
                o.getInt("jacobi_iters", 100, 1, 1 << 20),
                o.getInt("jacobi_stepped", 1, 0, 1 << 10),
                o.getLong("seed", 0));
    }
}
