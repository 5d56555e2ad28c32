package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Backbone;

/**
 * Stepping with the KV cache gives forward()'s features at every position: in float32, past the cache's growth, and
 * with accept() before next(). The float64 case at 8 positions is part of {@link TransformerConformanceTest}.
 */
class StepperTest {
    private static final long SEED = 23;
    private static final double FLOAT32_TOLERANCE = 1e-5;
    private static final double FLOAT64_TOLERANCE = 1e-10;

    @Test
    void reproducesForwardInFloat32() {
        TransformerBackbone backbone = Fixtures.tiny(SEED);
        backbone.eval();
        assertStepsMatch(backbone, Fixtures.POSITIONS, FLOAT32_TOLERANCE);
    }

    @Test
    void reproducesForwardPastTheCacheGrowth() {
        TransformerBackbone backbone = Fixtures.create(SEED, Map.of("depth", 1L, "width", 8L, "heads", 2L), 140);
        backbone.to(torch.ScalarType.Double, false);
        backbone.eval();
        assertStepsMatch(backbone, 140, FLOAT64_TOLERANCE);
    }

    @Test
    void acceptWithoutNextAndTheLastPositionAreHandled() {
        TransformerBackbone backbone = Fixtures.tinyDouble(SEED);
        long t = Fixtures.POSITIONS;
        try (PointerScope outer = new PointerScope();
                Backbone.Stepper stepper = backbone.stepper(2)) {
            Tensor x = Fixtures.input(SEED, 2, t);
            Tensor expected = backbone.forward(x);
            for (long p = 0; p < t; p++) {
                try (PointerScope step = new PointerScope()) {
                    if (p % 2 == 1) {
                        double diff = Fixtures.maxAbs(stepper.next().sub(expected.narrow(1, p, 1)));
                        assertTrue(
                                diff <= FLOAT64_TOLERANCE,
                                "seed " + SEED + ", position " + p + ": stepper differs from forward by " + diff + " > "
                                        + FLOAT64_TOLERANCE);
                    }
                    stepper.accept(x.narrow(1, p, 1));
                }
            }
            assertEquals(t, stepper.position());
            IllegalStateException e = assertThrows(IllegalStateException.class, stepper::next);
            assertTrue(e.getMessage().contains("past the last"), e.getMessage());
        }
    }

    @Test
    void rejectsWrongShapesAndUseAfterClose() {
        TransformerBackbone backbone = Fixtures.tiny(SEED);
        Backbone.Stepper stepper = backbone.stepper(2);
        try (PointerScope scope = new PointerScope()) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> stepper.accept(torch.zeros(3, 1, Fixtures.CHANNELS)));
            assertTrue(e.getMessage().contains("batch of 2"), e.getMessage());
            stepper.close();
            assertThrows(IllegalStateException.class, stepper::next);
        }
    }

    /**
     * Runs a stepper for batch 3 over {@code t} positions, each step in its own pointer scope and without
     * gradients, and compares every position with {@code forward}.
     */
    private static void assertStepsMatch(TransformerBackbone backbone, long t, double tolerance) {
        try (PointerScope outer = new PointerScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Tensor x = Fixtures.input(SEED + t, 3, t);
            Tensor expected = backbone.forward(x);
            try (Backbone.Stepper stepper = backbone.stepper(3)) {
                for (long p = 0; p < t; p++) {
                    try (PointerScope step = new PointerScope()) {
                        Tensor features = stepper.next();
                        assertEquals(3, features.size(0));
                        assertEquals(1, features.size(1));
                        double diff = Fixtures.maxAbs(features.sub(expected.narrow(1, p, 1)));
                        assertTrue(
                                diff <= tolerance,
                                "seed " + (SEED + t) + ", position " + p + ": stepper differs from forward by " + diff
                                        + " > " + tolerance);
                        stepper.accept(x.narrow(1, p, 1));
                    }
                    assertEquals(p + 1, stepper.position());
                }
            }
        }
    }
}
