package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Dropout acts in training mode only. */
class DropoutTest {
    private static final long SEED = 41;

    @Test
    void dropoutIsRandomInTrainingAndOffInEval() {
        TransformerBackbone backbone = Fixtures.create(
                SEED, Map.of("depth", 1L, "width", 16L, "heads", 4L, "dropout", 0.5), Fixtures.POSITIONS);
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Fixtures.input(SEED, 2, Fixtures.POSITIONS);
            backbone.train(true);
            double training = Fixtures.maxAbs(backbone.forward(x).sub(backbone.forward(x)));
            assertTrue(
                    training > 1e-3,
                    "seed " + SEED + ": two training passes with dropout 0.5 differ only by " + training);
            backbone.eval();
            assertEquals(
                    0.0,
                    Fixtures.maxAbs(backbone.forward(x).sub(backbone.forward(x))),
                    0.0,
                    "seed " + SEED + ": evaluation is deterministic (exact)");
        }
    }
}
