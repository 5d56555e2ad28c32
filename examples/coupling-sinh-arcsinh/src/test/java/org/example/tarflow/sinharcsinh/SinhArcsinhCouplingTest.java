package org.example.tarflow.sinharcsinh;

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

class SinhArcsinhCouplingTest {
    private static final CouplingContext CONTEXT = CouplingCase.context(4, 2, 6);
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);
    private static final double TOLERANCE = 1e-12;

    /** At initialisation u = x and log-det = 0, to 1e-12 relative (sinh∘asinh rounds). */
    @Test
    void identityAtInitialisation() {
        Coupling coupling = create(Map.of());
        coupling.module().to(torch.ScalarType.Double, false);
        Seed.run(() -> {
            try (PointerScope s = new PointerScope()) {
                Tensor x = torch.randn(new long[] {2, 5, 4}, F64).mul(new Scalar(10.0));
                Transformed out = coupling.forward(x, torch.randn(new long[] {2, 5, 6}, F64));
                assertClose(x, out.value(), "u = x");
                assertClose(torch.zeros_like(out.logDet()), out.logDet(), "log-det = 0");
            }
        });
    }

    /** With δ = 1 and ε = 0 the coupling is the affine u = (x − μ)·e^{−s}: checked with μ = 0.5, s = −1 to 1e-12 relative. */
    @Test
    void withoutSkewAndTailItIsTheAffine() {
        Coupling coupling = create(Map.of());
        coupling.module().to(torch.ScalarType.Double, false);
        Seed.run(() -> {
            try (PointerScope s = new PointerScope()) {
                try (NoGradGuard g = new NoGradGuard()) {
                    Tensor bias = Parameters.get(coupling, "head.bias");
                    bias.narrow(0, 0, 4).fill_(new Scalar(0.5));
                    bias.narrow(0, 4, 4).fill_(new Scalar(-1.0));
                }
                Tensor x = torch.randn(new long[] {2, 5, 4}, F64).mul(new Scalar(3.0));
                Transformed out = coupling.forward(x, torch.randn(new long[] {2, 5, 6}, F64));
                assertClose(x.sub(new Scalar(0.5)).mul(new Scalar(Math.E)), out.value(), "u = (x − 0.5)·e");
                assertClose(torch.full(new long[] {2, 5}, new Scalar(4.0), F64), out.logDet(), "log-det = −Σ s = 4");
            }
        });
    }

    @Test
    void negativeTailBoundIsRejected() {
        OptionException e = assertThrows(OptionException.class, () -> create(Map.of("tail_bound", -0.5)));
        assertTrue(e.getMessage().contains("tail_bound"), e.getMessage());
    }

    private static void assertClose(Tensor expected, Tensor actual, String what) {
        double err = actual.sub(expected)
                .abs()
                .div(expected.abs().add(new Scalar(1.0)))
                .max()
                .item_double();
        assertTrue(err <= TOLERANCE, what + ": relative error " + err + " > " + TOLERANCE);
    }

    private static Coupling create(Map<String, ?> options) {
        return new SinhArcsinhCouplingProvider().create(Options.of("couplings.sinh-arcsinh", "test", options), CONTEXT);
    }
}
