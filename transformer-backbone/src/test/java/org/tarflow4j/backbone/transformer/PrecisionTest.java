package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Inputs of any float dtype are cast; features come out in the parameters' dtype, also under bf16 autocast. */
class PrecisionTest {
    private static final long SEED = 31;
    /** bf16 keeps 8 mantissa bits; on unit-scale features of a 2-block model errors stay well below this. */
    private static final double BF16_TOLERANCE = 0.1;

    @Test
    void castsInputsToTheParameterDtype() {
        TransformerBackbone backbone = Fixtures.tiny(SEED);
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Fixtures.input(SEED, 2, 4);
            Tensor fromDouble = backbone.forward(x);
            Tensor fromBf16 = backbone.forward(x.to(torch.ScalarType.BFloat16));
            assertEquals(torch.ScalarType.Float, fromDouble.scalar_type().intern());
            assertEquals(torch.ScalarType.Float, fromBf16.scalar_type().intern());
            assertEquals(16, fromDouble.size(2));
        }
    }

    @Test
    void forwardAndStepperUnderBf16AutocastStayCloseToFloat32() {
        TransformerBackbone backbone = Fixtures.tiny(SEED);
        backbone.eval();
        try (PointerScope scope = new PointerScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Tensor x = Fixtures.input(SEED, 2, Fixtures.POSITIONS);
            Tensor reference = backbone.forward(x);
            Tensor autocast;
            Tensor stepped;
            torch.set_autocast_dtype(torch.DeviceType.CPU, torch.ScalarType.BFloat16);
            torch.set_autocast_enabled(torch.DeviceType.CPU, true);
            try {
                autocast = backbone.forward(x);
                stepped = step(backbone, x);
            } finally {
                torch.set_autocast_enabled(torch.DeviceType.CPU, false);
            }
            assertEquals(
                    torch.ScalarType.Float,
                    autocast.scalar_type().intern(),
                    "features come out in the parameters' dtype");
            assertTrue(autocast.isfinite().all().item_bool(), "seed " + SEED + ": non-finite features under autocast");
            double diff = Fixtures.maxAbs(autocast.sub(reference));
            assertTrue(
                    diff < BF16_TOLERANCE,
                    "seed " + SEED + ": bf16 autocast differs from float32 by " + diff + " >= " + BF16_TOLERANCE);
            double stepDiff = Fixtures.maxAbs(stepped.sub(reference));
            assertTrue(
                    stepDiff < BF16_TOLERANCE,
                    "seed " + SEED + ": bf16 autocast stepper differs from float32 by " + stepDiff + " >= "
                            + BF16_TOLERANCE);
        }
    }

    private static Tensor step(TransformerBackbone backbone, Tensor x) {
        Tensor[] features = new Tensor[(int) x.size(1)];
        try (var stepper = backbone.stepper(x.size(0))) {
            for (int p = 0; p < features.length; p++) {
                features[p] = stepper.next();
                stepper.accept(x.narrow(1, p, 1));
            }
        }
        return torch.cat(new org.bytedeco.pytorch.TensorVector(features), 1);
    }
}
