package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Position 0 sees only the learned start, the same for every sequence; checked in float64. That the features at t
 * depend on x[:, <t] only is checked by {@link TransformerConformanceTest}.
 */
class CausalityTest {
    private static final long SEED = 11;
    /** Positions that must not move may differ only by float64 rounding. */
    private static final double UNMOVED = 1e-12;

    private final TransformerBackbone backbone = Fixtures.tinyDouble(SEED);

    @Test
    void positionZeroIgnoresTheInput() {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = backbone.forward(Fixtures.input(SEED, 3, 5));
            Tensor b = backbone.forward(Fixtures.input(SEED + 1, 3, 5).mul(new Scalar(10.0)));
            double diff = Fixtures.maxAbs(a.narrow(1, 0, 1).sub(b.narrow(1, 0, 1)));
            assertTrue(diff <= UNMOVED, "seed " + SEED + ": position 0 features moved by " + diff + " > " + UNMOVED);
            assertEquals(
                    0.0,
                    Fixtures.maxAbs(a.narrow(1, 0, 1).sub(a.narrow(1, 0, 1).narrow(0, 0, 1))),
                    UNMOVED,
                    "position 0 features are the same for every sequence of the batch (tolerance " + UNMOVED + ")");
        }
    }
}
