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

    /**
     * u over both tails: a grid over [−8, 8], the tails to ±37, where Φ(u) underflows in float64, and beyond, to
     * ±10⁴ (float32's Mills-ratio series from |u| ≈ 6000), and zero.
     */
    private static Tensor extremeU() {
        Tensor far = Tensor.create(0.0, -1e-30, 1e-30, -100.0, 100.0, -6000.0, 6000.0, -1e4, 1e4);
        return torch.cat(new org.bytedeco.pytorch.TensorVector(uGrid(), far));
    }

    /** {@code mix}, one row of {@code [1, K]}, for each of {@code n} values of u. */
    private static GaussianMixture1d over(GaussianMixture1d mix, long n) {
        long k = mix.components();
        return new GaussianMixture1d(
                mix.logWeights().expand(n, k),
                mix.means().expand(n, k),
                mix.logScales().expand(n, k));
    }

    private static GaussianMixture1d to(GaussianMixture1d mix, torch.ScalarType dtype) {
        return new GaussianMixture1d(
                mix.logWeights().to(dtype),
                mix.means().to(dtype),
                mix.logScales().to(dtype));
    }

    /**
     * The masked mode (no compaction, convergence read every 8 iterations, every iteration, or never: a fixed budget)
     * runs the same iterates as the compacting mode and freezes each element where it converged, in float64 and in
     * float32: random mixtures at u ~ 6·N(0, 1), one mixture at u from the grid to ±10⁴, single-component mixtures
     * (solved at the start) at the same u, and a mixture with a component of scale 1e-4 beside a weight of 1 − 1e-9.
     * The roots agree to the solver's resolution, 4e-16·(1 + |x|) in float64 and 2.4e-7·(1 + |x|) in float32 (two
     * units in the last place of 1): the modes run the same elementwise operations on the same values, and on the CPU
     * they agree bit for bit, while iterating on past convergence moves a root by about 2e-14 and fails this. The
     * reports (elements, mean and maximum iterations, unconverged) are equal, and in float64 so are the implicit
     * gradients with respect to u and the means, to 1e-12 relative.
     */
    @Test
    void theMaskedModeFindsTheCompactingModesRoots() {
        MixtureSolver compacting = MixtureSolver.DEFAULT.with(MixtureSolver.Mode.COMPACTING, 0);
        for (torch.ScalarType dtype : new torch.ScalarType[] {torch.ScalarType.Double, torch.ScalarType.Float}) {
            boolean single = dtype == torch.ScalarType.Float;
            double tolerance = single ? 2.4e-7 : 4e-16;
            try (PointerScope s = new PointerScope()) {
                torch.manual_seed(SEED);
                Tensor u = extremeU();
                long n = u.size(0);
                Tensor u300 = torch.randn(new long[] {300}, f64()).mul(new Scalar(6.0));
                Tensor oneComponent = Tensor.create(new double[] {0.0}, 1, 1);
                GaussianMixture1d narrow = new GaussianMixture1d(
                        torch.log_softmax(Tensor.create(new double[] {20.72, 0.0, 0.0}, 1, 3), 1),
                        Tensor.create(new double[] {-3.0, 0.0, 40.0}, 1, 3),
                        Tensor.create(new double[] {Math.log(1e-4), 0.5, -1.0}, 1, 3));
                Object[][] cases = {
                    {GaussianMixture1dTest.randomMixture(300, 5), u300, "random K=5 at 6·N(0,1)"},
                    {over(GaussianMixture1dTest.randomMixture(1, 7), n), u, "K=7 at u to ±1e4"},
                    {
                        new GaussianMixture1d(
                                oneComponent.expand(n, 1),
                                torch.randn(new long[] {n, 1}, f64()),
                                torch.randn(new long[] {n, 1}, f64()).mul(new Scalar(0.5))),
                        u,
                        "K=1 at u to ±1e4"
                    },
                    {over(narrow, n), u, "narrow and dominant at u to ±1e4"}
                };
                for (Object[] c : cases) {
                    GaussianMixture1d m = to((GaussianMixture1d) c[0], dtype);
                    Tensor uu = ((Tensor) c[1]).to(dtype);
                    String what = c[2] + " in " + (single ? "float32" : "float64");
                    MixtureSolver.Solution reference = compacting.solve(m, uu);
                    assertTrue(torch.isfinite(reference.x()).all().item_bool(), what + ": finite roots");
                    for (int every : new int[] {8, 1, 0}) {
                        MixtureSolver masked = MixtureSolver.DEFAULT.with(MixtureSolver.Mode.MASKED, every);
                        MixtureSolver.Solution sol = masked.solve(m, uu);
                        assertEquals(dtype, sol.x().scalar_type().intern(), what + ": the dtype of u");
                        double err = maxAbs(sol.x()
                                .sub(reference.x())
                                .div(reference.x().abs().add(new Scalar(1.0)))
                                .to(torch.ScalarType.Double));
                        assertTrue(
                                err <= tolerance,
                                what + ", masked every " + every + ": max |x − x_compacting|/(1+|x|) = " + err
                                        + " (tolerance " + tolerance + ")");
                        assertEquals(reference.report(), sol.report(), what + ", masked every " + every);
                    }
                    if (!single) assertSameGradients(compacting, m, uu, what);
                }
            }
        }
    }

    /**
     * The host mode (plain Java, float64) finds the compacting mode's roots on the same cases as the masked mode, to
     * 1e-12·(1 + |x|): both stop within the solver's tolerance of 1e-13 on the log-probability residual, from iterates
     * that differ only by the rounding of two implementations of {@code log Φ}. It reports the same elements and
     * unconverged ones, and its implicit gradients agree with the compacting mode's to 1e-8 relative (3.7e-9 seen: the
     * slope at a root in a component of scale 1e-4 at u = ±1e4 moves that much with the root's last bits).
     */
    @Test
    void theHostModeFindsTheCompactingModesRoots() {
        MixtureSolver compacting = MixtureSolver.DEFAULT.with(MixtureSolver.Mode.COMPACTING, 0);
        MixtureSolver host = MixtureSolver.DEFAULT.with(MixtureSolver.Mode.HOST, 0);
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Tensor u = extremeU();
            long n = u.size(0);
            Tensor u300 = torch.randn(new long[] {300}, f64()).mul(new Scalar(6.0));
            GaussianMixture1d narrow = new GaussianMixture1d(
                    torch.log_softmax(Tensor.create(new double[] {20.72, 0.0, 0.0}, 1, 3), 1),
                    Tensor.create(new double[] {-3.0, 0.0, 40.0}, 1, 3),
                    Tensor.create(new double[] {Math.log(1e-4), 0.5, -1.0}, 1, 3));
            Object[][] cases = {
                {GaussianMixture1dTest.randomMixture(300, 5), u300, "random K=5 at 6·N(0,1)"},
                {over(GaussianMixture1dTest.randomMixture(1, 27), n), u, "K=27 at u to ±1e4"},
                {
                    new GaussianMixture1d(
                            Tensor.create(new double[] {0.0}, 1, 1).expand(n, 1),
                            torch.randn(new long[] {n, 1}, f64()),
                            torch.randn(new long[] {n, 1}, f64()).mul(new Scalar(0.5))),
                    u,
                    "K=1 at u to ±1e4"
                },
                {over(narrow, n), u, "narrow and dominant at u to ±1e4"}
            };
            for (Object[] c : cases) {
                GaussianMixture1d m = (GaussianMixture1d) c[0];
                Tensor uu = (Tensor) c[1];
                String what = (String) c[2];
                MixtureSolver.Solution reference = compacting.solve(m, uu);
                MixtureSolver.Solution sol = host.solve(m, uu);
                assertEquals(torch.ScalarType.Double, sol.x().scalar_type().intern(), what + ": the dtype of u");
                double err = maxAbs(
                        sol.x().sub(reference.x()).div(reference.x().abs().add(new Scalar(1.0))));
                System.out.printf(
                        "host vs compacting, %s: %.2g; %s / %s%n", what, err, sol.report(), reference.report());
                assertTrue(
                        err <= 1e-12, what + ": max |x_host − x_compacting|/(1+|x|) = " + err + " (tolerance 1e-12)");
                assertEquals(reference.report().elements(), sol.report().elements(), what);
                assertEquals(reference.report().unconverged(), sol.report().unconverged(), what);
                Tensor[] grads = new Tensor[4];
                MixtureSolver[] solvers = {compacting, host};
                for (int i = 0; i < 2; i++) {
                    Tensor ug = uu.detach().clone().requires_grad_(true);
                    Tensor means = m.means().detach().clone().requires_grad_(true);
                    solvers[i]
                            .solve(new GaussianMixture1d(m.logWeights(), means, m.logScales()), ug)
                            .x()
                            .sum()
                            .backward();
                    grads[2 * i] = ug.grad();
                    grads[2 * i + 1] = means.grad();
                }
                for (int j = 0; j < 2; j++) {
                    double g =
                            maxAbs(grads[2 + j].sub(grads[j]).div(grads[j].abs().add(new Scalar(1e-300))));
                    assertTrue(g <= 1e-8, what + ": gradient " + j + " differs by " + g + " relative (tolerance 1e-8)");
                }
            }
        }
    }

    /**
     * At the cap the host mode counts the unconverged elements, as the compacting mode does: the same elements and
     * maximum iterations, and the same count to one element (with a tolerance of 1e-300 an element converges only when
     * its Newton step falls below the resolution, 4e-16·(1 + |x|), and the two implementations of {@code log Φ} may
     * put one step on either side of it).
     */
    @Test
    void theHostModeCountsUnconvergedElementsAtTheCap() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            GaussianMixture1d mix = GaussianMixture1dTest.randomMixture(50, 6);
            Tensor u = torch.randn(new long[] {50}, f64());
            for (int cap : new int[] {1, 3}) {
                MixtureSolver hard = new MixtureSolver(1e-300, cap);
                InverseReport compacting = hard.with(MixtureSolver.Mode.COMPACTING, 0)
                        .solve(mix, u)
                        .report();
                InverseReport host =
                        hard.with(MixtureSolver.Mode.HOST, 0).solve(mix, u).report();
                assertTrue(compacting.unconverged() > 0 && host.unconverged() > 0, compacting + " / " + host);
                assertEquals(compacting.elements(), host.elements());
                assertEquals(compacting.maxIterations(), host.maxIterations());
                assertTrue(Math.abs(compacting.unconverged() - host.unconverged()) <= 1, compacting + " / " + host);
            }
        }
    }

    /** The implicit gradients of both modes' roots with respect to u and the means agree to 1e-12 relative. */
    private static void assertSameGradients(MixtureSolver compacting, GaussianMixture1d m, Tensor u, String what) {
        Tensor[] grads = new Tensor[4];
        MixtureSolver[] solvers = {compacting, MixtureSolver.DEFAULT.with(MixtureSolver.Mode.MASKED, 8)};
        for (int i = 0; i < 2; i++) {
            Tensor uu = u.detach().clone().requires_grad_(true);
            Tensor means = m.means().detach().clone().requires_grad_(true);
            solvers[i]
                    .solve(new GaussianMixture1d(m.logWeights(), means, m.logScales()), uu)
                    .x()
                    .sum()
                    .backward();
            grads[2 * i] = uu.grad();
            grads[2 * i + 1] = means.grad();
        }
        for (int j = 0; j < 2; j++) {
            double err = maxAbs(grads[2 + j].sub(grads[j]).div(grads[j].abs().add(new Scalar(1e-300))));
            assertTrue(
                    err <= 1e-12,
                    what + ": gradient " + (j == 0 ? "dx/du" : "dx/dm") + " differs by " + err
                            + " relative (tolerance 1e-12)");
        }
    }

    /** At the cap the masked mode reports what the compacting mode reports: the same unconverged elements. */
    @Test
    void theMaskedModeCountsUnconvergedElementsAtTheCap() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            GaussianMixture1d mix = GaussianMixture1dTest.randomMixture(50, 6);
            Tensor u = torch.randn(new long[] {50}, f64());
            for (int cap : new int[] {1, 3}) {
                MixtureSolver hard = new MixtureSolver(1e-300, cap);
                InverseReport compacting = hard.with(MixtureSolver.Mode.COMPACTING, 0)
                        .solve(mix, u)
                        .report();
                InverseReport masked =
                        hard.with(MixtureSolver.Mode.MASKED, 2).solve(mix, u).report();
                assertTrue(compacting.unconverged() > 0, compacting.toString());
                assertEquals(compacting, masked);
            }
        }
    }

    /**
     * AUTO compacts on the CPU and masks on any other device (where a test for convergence waits for it), and solves
     * float64 on the host up to {@link MixtureSolver#HOST_LIMIT} element-components on the CPU.
     */
    @Test
    void autoPicksTheModeByDevice() {
        try (PointerScope s = new PointerScope()) {
            GaussianMixture1d k27 = GaussianMixture1dTest.randomMixture(1, 27);
            long fits = MixtureSolver.HOST_LIMIT / 27;
            assertEquals(
                    MixtureSolver.Mode.HOST, MixtureSolver.DEFAULT.modeFor(k27, torch.zeros(new long[] {fits}, f64())));
            assertEquals(
                    MixtureSolver.Mode.COMPACTING,
                    MixtureSolver.DEFAULT.modeFor(k27, torch.zeros(new long[] {fits + 1}, f64())));
            assertEquals(
                    MixtureSolver.Mode.COMPACTING,
                    MixtureSolver.DEFAULT.modeFor(
                            k27, torch.zeros(new long[] {2}, f64()).to(torch.ScalarType.Float)));
            assertEquals(MixtureSolver.Mode.AUTO, MixtureSolver.DEFAULT.mode());
            assertEquals(MixtureSolver.CHECK_EVERY, MixtureSolver.DEFAULT.checkEvery());
            assertEquals(
                    MixtureSolver.Mode.COMPACTING,
                    MixtureSolver.DEFAULT.modeFor(
                            torch.zeros(new long[] {2}, org.tarflow4j.api.Placement.CPU.options())));
            assertEquals(
                    MixtureSolver.Mode.MASKED,
                    MixtureSolver.DEFAULT.modeFor(
                            torch.zeros(new long[] {2}, org.tarflow4j.api.Placement.META.options())));
            assertEquals(
                    MixtureSolver.Mode.COMPACTING,
                    MixtureSolver.DEFAULT
                            .with(MixtureSolver.Mode.COMPACTING, 8)
                            .modeFor(torch.zeros(new long[] {2}, org.tarflow4j.api.Placement.META.options())));
        }
    }
}
