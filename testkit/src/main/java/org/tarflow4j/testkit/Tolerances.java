package org.tarflow4j.testkit;

/**
 * The numeric tolerances of the conformance checks. {@link #FLOAT64} is the default, for couplings whose density math
 * runs in float64; {@link #FLOAT32} is the profile for a coupling that runs it in float32 (e.g.
 * {@code density_dtype = "float32"}): override {@link CouplingHarness#tolerances()} in a harness subclass to use it.
 * Structural checks (exact zeros in the Jacobian, finite values, shapes and dtypes) are the same in every profile.
 *
 * @param roundTrip largest {@code |x − f⁻¹(f(x))|} (relative beyond |x| = 1) and {@code |u − f(f⁻¹(u))|}
 * @param logDet    largest {@code |logdet − log|det J||} per position
 * @param position  largest relative difference between a forward call on all positions and one on a single position
 * @param name      shown in failure messages
 */
public record Tolerances(double roundTrip, double logDet, double position, String name) {
    /** The float64 profile: round trips and log-dets to 1e-6, position agnosticism to 1e-9. */
    public static final Tolerances FLOAT64 = new Tolerances(
            CouplingChecks.ROUND_TRIP_TOLERANCE,
            CouplingChecks.LOG_DET_TOLERANCE,
            CouplingChecks.POSITION_TOLERANCE,
            "float64");

    /**
     * The float32 profile: float32 resolves 6e-8 relative; the inverse's root finding stops at a few units in the last
     * place and the log-det is a difference of terms of size {@code |u|²/2} (up to 18 for |u| = 6), each carrying
     * float32 rounding. Round trips to 1e-4, log-dets to 1e-3, position agnosticism to 1e-5.
     */
    public static final Tolerances FLOAT32 = new Tolerances(1e-4, 1e-3, 1e-5, "float32");

    public Tolerances {
        if (!(roundTrip > 0 && logDet > 0 && position > 0))
            throw new IllegalArgumentException("tolerances must be positive");
    }
}
