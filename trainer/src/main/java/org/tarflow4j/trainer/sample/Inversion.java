package org.tarflow4j.trainer.sample;

import org.tarflow4j.core.config.SampleConfig;

/**
 * How a flow layer is inverted: position by position with the backbone's cache, or by Jacobi iteration over blocks
 * of positions in parallel.
 *
 * @param block     positions per Jacobi block, 0 for the whole sequence
 * @param tolerance distance to the sequential inverse a Jacobi iterate may keep, per position of a layer (see
 *                  {@link org.tarflow4j.trainer.model.FlowLayer#inverseJacobi})
 * @param maxSweeps Jacobi sweeps per block at most
 */
public record Inversion(boolean jacobi, int block, double tolerance, int maxSweeps) {
    public static final Inversion SEQUENTIAL = new Inversion(false, 0, 0, 1);

    public Inversion {
        if (jacobi && (block < 0 || !(tolerance >= 0) || maxSweeps < 1))
            throw new IllegalArgumentException("Jacobi needs block >= 0, tolerance >= 0 and at least one sweep");
    }

    /** The Jacobi settings of {@code [sample]}. */
    public static Inversion jacobi(SampleConfig c) {
        return new Inversion(true, c.jacobiBlock(), c.jacobiTol(), c.jacobiIters());
    }

    /** The inversion {@code [sample]} asks for. */
    public static Inversion of(SampleConfig c) {
        return c.jacobi() ? jacobi(c) : SEQUENTIAL;
    }

    public String describe() {
        return jacobi
                ? "jacobi (block " + (block == 0 ? "all" : block) + ", tol " + tolerance + ", at most " + maxSweeps
                        + " sweeps)"
                : "sequential (KV cache)";
    }
}
