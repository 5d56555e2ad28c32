package org.tarflow4j.api.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.OptionException;
import org.tarflow4j.api.Options;

/** The log-space safeguards in float32: the same results as float64 to float32 precision, finite far in the tails. */
class Float32NumericsTest {
    private static final long SEED = 2024L;

    private static Tensor f32(Tensor t) {
        return t.to(torch.ScalarType.Float);
    }

    private static double maxRelative(Tensor actual, Tensor expected) {
        Tensor a = actual.to(torch.ScalarType.Double);
        return a.sub(expected)
                .abs()
                .div(expected.abs().add(new Scalar(1.0)))
                .max()
                .item_double();
    }

    /**
     * {@code Φ⁻¹} from log-probabilities down to −1e11 (u ≈ −4.5e5, where {@code log Φ − log φ} cancels completely in
     * float32): finite and within 1e-6 relative of the float64 quantile.
     */
    @Test
    void quantileMatchesFloat64FarIntoTheTail() {
        try (PointerScope s = new PointerScope()) {
            Tensor logP = Tensor.create(-0.7, -2.0, -20.0, -79.0, -81.0, -500.0, -1e4, -1e8, -1e11);
            Tensor expected = Normal.lowerQuantile(logP);
            Tensor actual = Normal.lowerQuantile(f32(logP));
            assertEquals(torch.ScalarType.Float, actual.scalar_type().intern());
            assertTrue(torch.isfinite(actual).all().item_bool(), "finite: " + actual);
            double err = maxRelative(actual, expected);
            assertTrue(err < 1e-6, "float32 quantile vs float64: " + err + " relative (tolerance 1e-6)");
        }
    }

    /** The slope of {@code log Φ} in float32 is finite down to z = −1e6 and within 1e-5 of the float64 slope. */
    @Test
    void logCdfGradientMatchesFloat64() {
        try (PointerScope s = new PointerScope()) {
            Tensor z64 = Tensor.create(3.0, 0.0, -5.0, -9.9, -10.1, -29.0, -31.0, -1e3, -1e6)
                    .requires_grad_(true);
            Tensor z32 = f32(z64.detach()).requires_grad_(true);
            Tensor g64 = torch.grad(
                            new TensorVector(Normal.logCdf(z64).sum()),
                            new TensorVector(z64),
                            new TensorVector(),
                            new BoolOptional(false),
                            false,
                            false)
                    .get(0);
            Tensor g32 = torch.grad(
                            new TensorVector(Normal.logCdf(z32).sum()),
                            new TensorVector(z32),
                            new TensorVector(),
                            new BoolOptional(false),
                            false,
                            false)
                    .get(0);
            assertTrue(torch.isfinite(g32).all().item_bool(), "finite: " + g32);
            double err = g32.to(torch.ScalarType.Double)
                    .sub(g64)
                    .abs()
                    .div(g64.abs().add(new Scalar(1e-30)))
                    .max()
                    .item_double();
            assertTrue(err < 1e-5, "float32 slope of log Φ vs float64: " + err + " relative (tolerance 1e-5)");
        }
    }

    /**
     * The solver in float32 converges on random mixtures for u in [−8, 8] and its roots map back to u within 1e-4
     * (float32 resolves x to about 6e-8 relative; the solver stops at one unit in the last place of 1 + |x|).
     */
    @Test
    void solverConvergesInFloat32() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            GaussianMixture1d mix64 = GaussianMixture1dTest.randomMixture(16, 8);
            GaussianMixture1d mix32 =
                    new GaussianMixture1d(f32(mix64.logWeights()), f32(mix64.means()), f32(mix64.logScales()));
            Tensor u = torch.linspace(new Scalar(-8.0), new Scalar(8.0), 16, GaussianMixture1dTest.f64())
                    .unsqueeze(1)
                    .expand(16, 16);
            GaussianMixture1d wide = new GaussianMixture1d(
                    mix32.logWeights().expand(16, 16, 8),
                    mix32.means().expand(16, 16, 8),
                    mix32.logScales().expand(16, 16, 8));
            MixtureSolver.Solution sol = wide.fromNormal(f32(u));
            assertEquals(torch.ScalarType.Float, sol.x().scalar_type().intern(), "solved in the dtype of u");
            assertEquals(0, sol.report().unconverged(), sol.report().toString());
            double err = wide.toNormal(sol.x())
                    .u()
                    .to(torch.ScalarType.Double)
                    .sub(u)
                    .abs()
                    .max()
                    .item_double();
            assertTrue(err < 1e-4, "float32 Φ⁻¹(F(x)) − u: " + err + " (tolerance 1e-4), " + sol.report());
        }
    }

    @Test
    void densityDtypeOption() {
        assertEquals(DensityDtype.FLOAT64, DensityDtype.read(Options.of("couplings.x", "test", Map.of())));
        assertEquals(
                DensityDtype.FLOAT32,
                DensityDtype.read(Options.of("couplings.x", "test", Map.of("density_dtype", "float32"))));
        OptionException e = assertThrows(
                OptionException.class,
                () -> DensityDtype.read(Options.of("couplings.x", "test", Map.of("density_dtype", "bf16"))));
        assertTrue(e.getMessage().contains("density_dtype") && e.getMessage().contains("float32"), e.getMessage());
    }

    /** A carried tensor outlives its iteration's scope; the one it replaced is freed at once. */
    @Test
    void carriedKeepsOnlyTheLatestState() {
        try (PointerScope outer = new PointerScope()) {
            Tensor first;
            Tensor second;
            try (Carried carried = new Carried()) {
                try (PointerScope step = new PointerScope()) {
                    first = torch.ones(4);
                    carried.hold(first);
                }
                assertTrue(!first.isNull(), "held past its scope");
                try (PointerScope step = new PointerScope()) {
                    second = first.add(new Scalar(1.0));
                    carried.hold(second);
                }
                assertTrue(first.isNull(), "the replaced state is freed");
            }
            assertEquals(8.0, second.sum().item_double(), "the last state belongs to the enclosing scope");
        }
    }
}
