package org.tarflow4j.coupling.affine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.OptionException;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.testkit.CouplingCase;
import org.tarflow4j.testkit.Parameters;
import org.tarflow4j.testkit.Seed;

class AffineCouplingTest {
    private static final CouplingContext CONTEXT = CouplingCase.context(4, 2, 6);
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);

    /** At initialisation u = x and log-det = 0 exactly (tolerance 0), with float32 features and a float32 head. */
    @Test
    void identityAtInitialisation() {
        Coupling coupling = create(Map.of());
        Seed.run(() -> {
            try (PointerScope s = new PointerScope()) {
                Tensor x = torch.randn(new long[] {2, 5, 4}, F64).mul(new Scalar(10.0));
                Tensor h = torch.randn(2, 5, 6);
                Transformed out = coupling.forward(x, h);
                assertEquals(torch.ScalarType.Double, out.value().scalar_type().intern(), "u keeps the dtype of x");
                assertEquals(0.0, out.value().sub(x).abs().max().item_double(), 0.0, "u = x exactly");
                assertEquals(0.0, out.logDet().abs().max().item_double(), 0.0, "log-det = 0 exactly");
                assertEquals(
                        0.0,
                        coupling.inverse(x, h).sub(x).abs().max().item_double(),
                        0.0,
                        "inverse = identity exactly");
            }
        });
    }

    /** With scale_bound 2 every scale u/x stays within (e^−2, e^2), however far the head's output goes (weights ~ N(0, 1e6)). */
    @Test
    void scaleBoundHoldsForAnyHeadOutput() {
        Coupling coupling = create(Map.of("scale_bound", 2.0));
        Seed.run(() -> {
            try (PointerScope s = new PointerScope()) {
                try (NoGradGuard g = new NoGradGuard()) {
                    Parameters.get(coupling, "head.weight")
                            .normal_()
                            .mul_(new Scalar(1e3))
                            .narrow(0, 0, 4)
                            .zero_();
                }
                Tensor x = torch.randn(new long[] {2, 5, 4}, F64);
                Tensor logScale = coupling.forward(x, torch.randn(2, 5, 6))
                        .value()
                        .div(x)
                        .log()
                        .abs();
                double largest = logScale.max().item_double();
                assertTrue(largest <= 2.0, "|log scale| " + largest + " exceeds the bound 2");
                assertTrue(
                        largest > 1.9, "|log scale| " + largest + " should approach the bound 2 with a saturated head");
            }
        });
    }

    @Test
    void negativeScaleBoundIsRejected() {
        OptionException e = assertThrows(OptionException.class, () -> create(Map.of("scale_bound", -1.0)));
        assertTrue(
                e.getMessage().contains("scale_bound") && e.getMessage().contains("couplings.affine"), e.getMessage());
    }

    private static Coupling create(Map<String, ?> options) {
        return new AffineCouplingProvider().create(Options.of("couplings.affine", "test", options), CONTEXT);
    }
}
