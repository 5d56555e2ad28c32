package org.tarflow4j.coupling.mog;

import java.util.List;
import java.util.Map;
import org.tarflow4j.testkit.CouplingCase;
import org.tarflow4j.testkit.CouplingHarness;
import org.tarflow4j.testkit.Tolerances;

/**
 * Every case of {@link MixtureCdfConformanceTest} with {@code density_dtype = "float32"}, checked with the float32
 * tolerances of the harness ({@link Tolerances#FLOAT32}). The narrowest components of the extreme states are of scale
 * 1e-2 instead of 1e-4: float32 resolves x near 0.2 to 1.5e-8, so round trips lose about {@code 1e-7/σ}. The cases
 * with a channel-autoregressive head (the default among them) draw their random state from N(0, 0.1²) instead of
 * N(0, 0.2²): at 0.2 the masked MLP's outputs move the mixture parameters by several units (narrow, separated
 * components) and the round trip u→x→u at |u| = 6 lost 4e-3 in float32 — the default at seed 14647028442176, K=8 at
 * seed 21459354272679; with those seeds the float64 harness holds them to its 1e-6.
 */
class MixtureCdfFloat32ConformanceTest extends CouplingHarness {
    @Override
    protected List<CouplingCase> cases() {
        return MixtureCdfConformanceTest.all(Map.of("density_dtype", "float32"), 1e-2).stream()
                .map(c -> c.name().startsWith("K=27 default") || c.name().contains("channel-autoregressive")
                        ? c.withRandomStd(0.1)
                        : c)
                .toList();
    }

    @Override
    protected Tolerances tolerances() {
        return Tolerances.FLOAT32;
    }
}
