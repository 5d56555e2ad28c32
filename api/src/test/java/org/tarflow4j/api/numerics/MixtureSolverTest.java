package org.tarflow4j.api.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tarflow4j.api.numerics.GaussianMixture1dTest.f64;
import static org.tarflow4j.api.numerics.GaussianMixture1dTest.maxAbs;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.InverseReport;

class MixtureSolverTest {
    private static final long SEED = 987654321L;

    /** u values from deep in the lower tail to deep in the upper one. */
    private static Tensor uGrid() {
        Tensor tails = Tensor.create(-37.0, -20.0, -10.0, -6.0, 6.0, 10.0, 20.0, 37.0);
        return torch.cat(new org.bytedeco.pytorch.TensorVector(
                torch.linspace(new Scalar(-8.0), new Scalar(8.0), 65, f64()), tails));
    }

    /** Solves at every u for every mixture (shape [n, batch]) and checks Φ⁻¹(F(x)) = u to 1e-9·(1 + |u|). */
    private static InverseReport assertRoundTrip(GaussianMixture1d mix, String what) {
        Tensor u = uGrid();
        long n = u.size(0);
        long b = mix.logWeights().size(0);
        long k = mix.components();
        GaussianMixture1d wide = new GaussianMixture1d(
                mix.logWeights().expand(n, b, k),
                mix.means().expand(n, b, k),
                mix.logScales().expand(n, b, k));
        Tensor uu = u.unsqueeze(1).expand(n, b);
        MixtureSolver.Solution sol = wide.fromNormal(uu);
        assertTrue(torch.isfinite(sol.x()).all().item_bool(), what + ": x finite");
        Tensor back = wide.toNormal(sol.x()).u();
        double err = maxAbs(back.sub(uu).div(uu.abs().add(new Scalar(1.0))));
        assertTrue(
                err < 1e-9,
                what + ": max |Φ⁻¹(F(x)) − u|/(1+|u|) = " + err + " (tolerance 1e-9, seed " + SEED + "), "
                        + sol.report());
        assertEquals(0, sol.report().unconverged(), what + ": " + sol.report());
        return sol.report();
    }

    @Test
    void invertsRandomMixturesAcrossBothTails() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            InverseReport r = assertRoundTrip(GaussianMixture1dTest.randomMixture(16, 8), "random K=8");
            System.out.println("random K=8: " + r);
        }
    }

    /** Components of scale 1e-4 next to wide ones, and one weight of 1 − 3e-9 beside three of 1e-9. */
    @Test
    void invertsNarrowComponentsAndADominantWeight() {
        try (PointerScope s = new PointerScope()) {
            Tensor logWeights = Tensor.create(
                    new double[] {
                        Math.log1p(-3e-9),
                        Math.log(1e-9),
                        Math.log(1e-9),
                        Math.log(1e-9),
                        Math.log(0.25),
                        Math.log(0.25),
                        Math.log(0.25),
                        Math.log(0.25)
                    },
                    2,
                    4);
            Tensor means = Tensor.create(new double[] {-3, 0, 0.5, 40, -3, 0, 1e-3, 40}, 2, 4);
            double tiny = Math.log(1e-4);
            Tensor logScales = Tensor.create(new double[] {tiny, tiny, 0, Math.log(2), tiny, tiny, tiny, 0}, 2, 4);
            InverseReport r = assertRoundTrip(new GaussianMixture1d(logWeights, means, logScales), "narrow/dominant");
            System.out.println("narrow/dominant: " + r);
        }
    }

    /** One component needs no iteration: x = m + σu exactly (1e-12). */
    @Test
    void singleComponentIsSolvedAtTheStart() {
        try (PointerScope s = new PointerScope()) {
            Tensor u = uGrid();
            long n = u.size(0);
            GaussianMixture1d one = new GaussianMixture1d(
                    torch.zeros(new long[] {n, 1}, f64()),
                    torch.full(new long[] {n, 1}, new Scalar(-1.5), f64()),
                    torch.full(new long[] {n, 1}, new Scalar(-0.4), f64()));
            MixtureSolver.Solution sol = one.fromNormal(u);
            double err = maxAbs(sol.x().sub(u.mul(new Scalar(Math.exp(-0.4))).sub(new Scalar(1.5))));
            assertTrue(err < 1e-12, "|x − (m + σu)| = " + err + " (tolerance 1e-12)");
            assertEquals(0, sol.report().maxIterations(), sol.report().toString());
        }
    }

    /** x → u → x over [−50, 50] for an overlapping mixture, to 1e-9·(1 + |x|). */
    @Test
    void recoversXAcrossTheRange() {
        try (PointerScope s = new PointerScope()) {
            long n = 1001;
            Tensor x = torch.linspace(new Scalar(-50.0), new Scalar(50.0), n, f64());
            GaussianMixture1d mix = new GaussianMixture1d(
                    torch.log_softmax(Tensor.create(0.3, -1.0, 0.5, 0.0), 0).expand(n, 4),
                    Tensor.create(-2.0, 0.0, 1.0, 3.0).expand(n, 4),
                    Tensor.create(-0.5, 0.2, -1.0, 0.7).expand(n, 4));
            Tensor u = mix.toNormal(x).u();
            MixtureSolver.Solution sol = mix.fromNormal(u);
            double err = maxAbs(sol.x().sub(x).div(x.abs().add(new Scalar(1.0))));
            assertTrue(err < 1e-9, "max |x' − x|/(1+|x|) " + err + " (tolerance 1e-9), " + sol.report());
        }
    }

    /**
     * The implicit gradient: dx/du = 1/(du/dx) to 1e-9 relative, and dx/dm_k equals the responsibility
     * π_k N(x; m_k, σ_k²)/p(x) (from ∂F/∂m_k = −π_k N(x; m_k, σ_k²)) to 1e-9.
     */
    @Test
    void solutionIsDifferentiable() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            GaussianMixture1d mix = GaussianMixture1dTest.randomMixture(32, 5);
            Tensor u = torch.randn(new long[] {32}, f64()).mul(new Scalar(2.0)).requires_grad_(true);
            Tensor means = mix.means().clone().requires_grad_(true);
            GaussianMixture1d tracked = new GaussianMixture1d(mix.logWeights(), means, mix.logScales());
            Tensor x = tracked.fromNormal(u).x();
            x.sum().backward();
            Tensor expected = mix.toNormal(x.detach()).logDet().neg().exp();
            double err = maxAbs(u.grad().sub(expected).div(expected));
            assertTrue(err < 1e-9, "dx/du relative error " + err + " (tolerance 1e-9, seed " + SEED + ")");

            Tensor responsibilities = torch.softmax(mix.logWeights().add(mix.componentLogPdf(x.detach())), 1);
            double errM = maxAbs(means.grad().sub(responsibilities));
            assertTrue(errM < 1e-9, "dx/dm_k − responsibility_k " + errM + " (tolerance 1e-9, seed " + SEED + ")");
        }
    }

    /** An unreachable tolerance with one iteration allowed: the report counts unconverged elements and caps at 1. */
    @Test
    void reportsUnconvergedElementsAtTheCap() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            GaussianMixture1d mix = GaussianMixture1dTest.randomMixture(50, 6);
            Tensor u = torch.randn(new long[] {50}, f64());
            InverseReport r = new MixtureSolver(1e-300, 1).solve(mix, u).report();
            assertEquals(50, r.elements());
            assertEquals(1, r.maxIterations(), r.toString());
            assertTrue(r.unconverged() > 0, r.toString());
        }
    }
}
