package org.tarflow4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Backbone;

/**
 * libtorch's autocast keeps the bf16 copies it made of the weights until its cache is cleared, and reuses them for the
 * same weights: a step after an optimizer update then computes with the weights from before it. A linear layer on a
 * 2-D input (addmm, whose weight and bias autocast casts through the cache) shows it on the CPU. {@link Precision}
 * clears the cache when each autocast region ends.
 */
class AutocastCacheTest {
    /** A backbone whose linear layer reads its input as rows, the 2-D case the cache serves. */
    static final class Rows extends Module implements Backbone {
        final LinearImpl linear;

        Rows() {
            linear = register_module("linear", new LinearImpl(8, 4));
        }

        @Override
        public Tensor forward(Tensor x) {
            return linear.forward(x.flatten(0, 1)).view(x.size(0), x.size(1), 4);
        }

        @Override
        public int featureWidth() {
            return 4;
        }

        @Override
        public Stepper stepper(long batch) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Module module() {
            return this;
        }
    }

    @AfterEach
    void leaveNoCache() {
        torch.clear_cache();
    }

    /** The weights change as an optimizer changes them: in place, by far more than bf16 rounds. */
    private static void update(Rows b) {
        try (NoGradGuard g = new NoGradGuard()) {
            b.linear.weight().mul_(new Scalar(2.0));
            b.linear.bias().add_(new Scalar(1.0));
        }
    }

    private static double difference(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double();
    }

    private static Tensor fp32(Rows b, Tensor x) {
        try (NoGradGuard g = new NoGradGuard()) {
            return b.forward(x);
        }
    }

    /** The bug: an autocast region left without clearing the cache hands the next region stale weights. */
    @Test
    void withoutClearingTheNextRegionReadsStaleWeights() {
        torch.manual_seed(0);
        Rows b = new Rows();
        try (PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(2, 3, 8).set_requires_grad(true);
            Tensor before = uncleared(b, x);
            update(b);
            Tensor after = uncleared(b, x);
            assertTrue(
                    difference(after, fp32(b, x)) > 0.5,
                    "libtorch reused the bf16 copies made before the update: |after − fp32| = "
                            + difference(after, fp32(b, x)));
            assertTrue(difference(after, before) < 2.0, "much of the change is missing");
        }
    }

    /** The fix: {@link Precision#features} clears the cache, so every region casts the weights as they are now. */
    @Test
    void precisionFeaturesReadTheUpdatedWeights() {
        torch.manual_seed(0);
        Rows b = new Rows();
        try (PointerScope s = new PointerScope()) {
            Tensor x = torch.randn(2, 3, 8).set_requires_grad(true);
            Tensor before = Precision.features(b, x, true);
            assertTrue(difference(before, fp32(b, x)) < 0.05, "bf16 rounding only (tolerance 0.05)");
            update(b);
            Tensor after = Precision.features(b, x, true);
            assertTrue(
                    difference(after, fp32(b, x)) < 0.05,
                    "the updated weights, to bf16 rounding (tolerance 0.05): |after − fp32| = "
                            + difference(after, fp32(b, x)));
            assertTrue(difference(after, before) > 0.5);
        }
    }

    /** An autocast region as {@link Precision} wrote it before the fix: on, forward, off, and nothing cleared. */
    private static Tensor uncleared(Rows b, Tensor x) {
        torch.set_autocast_dtype(torch.DeviceType.CPU, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(torch.DeviceType.CPU, true);
        try {
            return b.forward(x).to(torch.ScalarType.Float);
        } finally {
            torch.set_autocast_enabled(torch.DeviceType.CPU, false);
        }
    }
}
