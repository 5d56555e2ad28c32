package org.tarflow4j.coupling.rosenblatt;

import java.util.List;
import java.util.Map;
import org.tarflow4j.testkit.CouplingCase;
import org.tarflow4j.testkit.CouplingHarness;
import org.tarflow4j.testkit.Tolerances;

/**
 * The cases of {@link RosenblattConformanceTest#all} (one of them lean) with {@code density_dtype = "float32"}, checked
 * with the float32 tolerances of the harness ({@link Tolerances#FLOAT32}: round trips to 1e-4, log-dets to 1e-3, positions to 1e-5).
 * The narrowest components of the extreme states are of scale 1e-2 instead of 1e-4: float32 resolves x near 0.2 to
 * 1.5e-8 and the root finding stops at one unit in the last place of {@code 1 + |x|}, so the round trips lose about
 * {@code 1e-7/σ}: measured u→x→u 4e-3 to 5e-3 at σ = 1e-4 and 1.6e-4 to 3e-4 at σ = 1e-3, beyond this profile.
 */
class RosenblattFloat32ConformanceTest extends CouplingHarness {
    @Override
    protected List<CouplingCase> cases() {
        return RosenblattConformanceTest.all(1e-2).stream()
                .map(c -> RosenblattConformanceTest.with(c, Map.of("density_dtype", "float32")))
                .toList();
    }

    @Override
    protected Tolerances tolerances() {
        return Tolerances.FLOAT32;
    }
}
