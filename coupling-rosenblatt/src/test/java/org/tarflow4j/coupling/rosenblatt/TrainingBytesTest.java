package org.tarflow4j.coupling.rosenblatt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.Options;

/**
 * The memory a training step of Mix-d states for the host's estimate: at V = 50,257 the lean path grows with the
 * positions by the head's {@code [positions, V]} float32 terms only, the same for d = 5 and d = 16 (exactly), its
 * graph is one chunk; the straightforward path grows with d.
 */
class TrainingBytesTest {
    private static final int VOCAB = 50_257;

    private static double[] bytes(int d, boolean lean, long positions) {
        try (PointerScope scope = new PointerScope()) {
            Coupling c = new RosenblattCouplingProvider()
                    .create(
                            Options.of("couplings.rosenblatt", "test", Map.of("lean", lean)),
                            new CouplingContext(d, d, 8, VOCAB, Optional.empty()));
            return new double[] {c.trainingBytes(positions), c.trainingBytes(2 * positions)};
        }
    }

    @Test
    void theLeanPathGrowsWithVAndNotWithD() {
        long positions = 2048;
        double perPosition = RosenblattCoupling.HEAD_TENSORS * (double) VOCAB * Float.BYTES;
        for (int d : new int[] {5, 16}) {
            double[] b = bytes(d, true, positions);
            assertEquals(perPosition, (b[1] - b[0]) / positions, 0.0, "d = " + d + ": bytes per further position");
            assertTrue(b[0] - positions * perPosition <= 256.0 * (1 << 20), "d = " + d + ": one chunk's graph");
        }
        double[] reference5 = bytes(5, false, positions);
        double[] reference16 = bytes(16, false, positions);
        assertTrue(
                reference16[0] > 2 * reference5[0],
                "without the lean path the graph grows with d: " + reference5[0] + " → " + reference16[0]);
    }
}
