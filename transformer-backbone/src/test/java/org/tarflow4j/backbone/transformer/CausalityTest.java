package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Features at position t depend on x[:, <t] only; checked in float64. */
class CausalityTest {
    private static final long SEED = 11;
    /** Positions that must not move may differ only by float64 rounding. */
    private static final double UNMOVED = 1e-12;
    /** Position t+1 reads x_t directly, so it must move by far more than rounding. */
    private static final double MOVED = 1e-6;

    private final TransformerBackbone backbone = Fixtures.tinyDouble(SEED);

    @Test
    void perturbingOnePositionMovesOnlyLaterFeatures() {
        long t = Fixtures.POSITIONS;
        for (long p = 0; p < t; p++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor x = Fixtures.input(SEED + p, 2, t);
                Tensor y = x.clone();
                y.narrow(1, p, 1).add_(torch.randn(2, 1, Fixtures.CHANNELS).to(torch.ScalarType.Double));
                Tensor diff = backbone.forward(y).sub(backbone.forward(x)).abs();
                double before = diff.narrow(1, 0, p + 1).max().item_double();
                assertTrue(
                        before <= UNMOVED,
                        "seed " + (SEED + p) + ": perturbing x at " + p + " moved features at positions <= " + p
                                + " by " + before + " > " + UNMOVED);
                if (p + 1 < t) {
                    double next = diff.narrow(1, p + 1, 1).max().item_double();
                    assertTrue(
                            next > MOVED,
                            "seed " + (SEED + p) + ": perturbing x at " + p + " moved features at " + (p + 1)
                                    + " only by " + next + " <= " + MOVED);
                }
            }
        }
    }

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
