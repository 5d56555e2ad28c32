package org.tarflow4j.coupling.mog;

import java.util.List;
import java.util.Map;
import org.tarflow4j.testkit.CouplingCase;
import org.tarflow4j.testkit.CouplingHarness;
import org.tarflow4j.testkit.Tolerances;

/**
 * Every case of {@link MixtureCdfConformanceTest} with {@code density_dtype = "float32"}, checked with the float32
 * tolerances of the harness ({@link Tolerances#FLOAT32}). The narrowest components of the extreme states are of scale
 * 1e-2 instead of 1e-4: float32 resolves x near 0.2 to 1.5e-8, so round trips lose about {@code 1e-7/σ}.
 */
class MixtureCdfFloat32ConformanceTest extends CouplingHarness {
    @Override
    protected List<CouplingCase> cases() {
        return MixtureCdfConformanceTest.all(Map.of("density_dtype", "float32"), 1e-2);
    }

    @Override
    protected Tolerances tolerances() {
        return Tolerances.FLOAT32;
    }
}
