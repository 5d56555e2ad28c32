package org.tarflow4j.trainer.sample;

import org.tarflow4j.core.config.SampleConfig;

/**
 * How the flow layers are inverted: position by position with the backbone's cache, or by Jacobi iteration over
 * blocks of positions in parallel, except for the {@code stepped} layers next to the data, which Jacobi generation
 * still inverts position by position (the selective schedule: a layer whose positions depend on each other sharply
 * gains nothing from parallel sweeps, which settle about one position each).
 *
 * @param block     positions per Jacobi block, 0 for the whole sequence
 * @param tolerance distance to the sequential inverse a Jacobi iterate may keep, per position of a layer (see
 *                  {@link org.tarflow4j.trainer.model.FlowLayer#inverseJacobi})
 * @param maxSweeps Jacobi sweeps per block at most
 * @param stepped   layers, counted from the data side, inverted position by position under Jacobi
 */
public record Inversion(boolean jacobi, int block, double tolerance, int maxSweeps, int stepped) {
    public static final Inversion SEQUENTIAL = new Inversion(false, 0, 0, 1, 0);

    public Inversion {
        if (jacobi && (block < 0 || !(tolerance >= 0) || maxSweeps < 1 || stepped < 0))
            throw new IllegalArgumentException(
                    "Jacobi needs block >= 0, tolerance >= 0, at least one sweep and stepped >= 0");
    }

    /** Jacobi iteration on every layer (no layer stepped). */
    public Inversion(boolean jacobi, int block, double tolerance, int maxSweeps) {
        this(jacobi, block, tolerance, maxSweeps, 0);
    }

    /** The Jacobi settings of {@code [sample]}. */
    public static Inversion jacobi(SampleConfig c) {
        return new Inversion(true, c.jacobiBlock(), c.jacobiTol(), c.jacobiIters(), c.jacobiStepped());
    }

    /** The inversion {@code [sample]} asks for. */
    public static Inversion of(SampleConfig c) {
        return c.jacobi() ? jacobi(c) : SEQUENTIAL;
    }

    /** Whether layer {@code i} (0 next to the data) is inverted by Jacobi iteration. */
    public boolean jacobiAt(int i) {
        return jacobi && i >= stepped;
    }

    public String describe() {
        return jacobi
                ? "jacobi (block " + (block == 0 ? "all" : block) + ", tol " + tolerance + ", at most " + maxSweeps
                        + " sweeps"
                        + (stepped > 0
                                ? ", the " + stepped + " data-side layer" + (stepped == 1 ? "" : "s") + " stepped"
                                : "")
                        + ")"
                : "sequential (KV cache)";
    }
}
