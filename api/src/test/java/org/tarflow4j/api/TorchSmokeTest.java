package org.tarflow4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** The native library loads on the module path and computes. */
class TorchSmokeTest {
    @Test
    void matmulOnTheModulePath() {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.ones(2, 3);
            Tensor b = torch.ones(3, 4);
            assertEquals(24.0, a.matmul(b).sum().item_double(), 0.0);
        }
    }
}
