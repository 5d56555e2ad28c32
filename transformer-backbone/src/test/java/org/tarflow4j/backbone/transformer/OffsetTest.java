package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Backbone;

/**
 * A sequence placed at an offset (what right-to-left flow layers ask for on sequences shorter than the context): the
 * offset selects the position codes, stepping from the offset gives the same features, and offset 0 is
 * {@code forward(x)}.
 */
class OffsetTest {
    private static final long SEED = 29;
    private static final double FLOAT64_TOLERANCE = 1e-10;

    @Test
    void steppingFromAnOffsetReproducesForwardAtThatOffset() {
        TransformerBackbone backbone = Fixtures.tinyDouble(SEED);
        backbone.eval();
        long t = 5;
        long offset = Fixtures.POSITIONS - t;
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Fixtures.input(SEED, 2, t);
            Tensor expected = backbone.forward(x, offset);
            TensorVector stepped = new TensorVector();
            try (Backbone.Stepper stepper = backbone.stepper(2, offset)) {
                for (long p = 0; p < t; p++) {
                    stepped.push_back(stepper.next());
                    stepper.accept(x.narrow(1, p, 1));
                }
                IllegalStateException e = assertThrows(IllegalStateException.class, stepper::next);
                assertTrue(e.getMessage().contains("past the last"), e.getMessage());
            }
            double diff = Fixtures.maxAbs(torch.cat(stepped, 1).sub(expected));
            assertTrue(diff <= FLOAT64_TOLERANCE, "stepper from offset " + offset + " differs by " + diff);
            assertEquals(0.0, Fixtures.maxAbs(backbone.forward(x, 0).sub(backbone.forward(x))), "offset 0 is forward");
            assertTrue(
                    Fixtures.maxAbs(expected.sub(backbone.forward(x))) > 1e-3,
                    "the offset changes the position codes, so the features");
        }
    }

    @Test
    void offsetsPastTheContextAreRejected() {
        TransformerBackbone backbone = Fixtures.tiny(SEED);
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Fixtures.input(SEED, 1, 5).to(torch.ScalarType.Float);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> backbone.forward(x, Fixtures.POSITIONS - 4));
            assertTrue(e.getMessage().contains("positions 0 to 11"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> backbone.stepper(1, Fixtures.POSITIONS));
        }
    }
}
