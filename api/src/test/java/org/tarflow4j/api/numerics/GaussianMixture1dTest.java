package org.tarflow4j.api.numerics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class GaussianMixture1dTest {
    private static final long SEED = 20250701L;

    /** A random K-component mixture per element of {@code batch}, scales in [e^−2, e^1]. */
    static GaussianMixture1d randomMixture(long batch, long k) {
        Tensor logits = torch.randn(new long[] {batch, k}, f64()).mul(new Scalar(2.0));
        Tensor means = torch.randn(new long[] {batch, k}, f64()).mul(new Scalar(3.0));
        Tensor logScales =
                torch.rand(new long[] {batch, k}, f64()).mul(new Scalar(3.0)).sub(new Scalar(2.0));
        return new GaussianMixture1d(torch.log_softmax(logits, 1), means, logScales);
    }

    /** A fresh float64 option set: a static one would belong to the pointer scope that first loads this class. */
    static TensorOptions f64() {
        return new TensorOptions(torch.ScalarType.Double);
    }

    static double maxAbs(Tensor t) {
        return t.abs().max().item_double();
    }

    /** F + (1 − F) = 1 to 1e-14 where both are computed from their own logs. */
    @Test
    void cdfAndSurvivalAreComplements() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            GaussianMixture1d mix = randomMixture(64, 8);
            Tensor x = torch.linspace(new Scalar(-15.0), new Scalar(15.0), 301, f64())
                    .unsqueeze(1);
            GaussianMixture1d wide = broadcastOver(mix, 301);
            double err = maxAbs(wide.logCdf(x.expand(301, 64))
                    .exp()
                    .add(wide.logSf(x.expand(301, 64)).exp())
                    .sub(new Scalar(1.0)));
            assertTrue(err < 1e-14, "max |F + S − 1| = " + err + " (tolerance 1e-14, seed " + SEED + ")");
        }
    }

    /** d log F/dx from autograd equals p/F, and d log(1−F)/dx equals −p/(1−F), to 1e-10 relative. */
    @Test
    void densityIsTheDerivativeOfTheCdf() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            GaussianMixture1d mix = randomMixture(200, 5);
            Tensor x = torch.randn(new long[] {200}, f64()).mul(new Scalar(6.0)).requires_grad_(true);
            Tensor logF = mix.logCdf(x);
            logF.sum().backward();
            Tensor expected = mix.logPdf(x.detach()).sub(logF.detach()).exp();
            double err = maxAbs(x.grad().sub(expected).div(expected));
            assertTrue(err < 1e-10, "relative error of d log F/dx " + err + " (tolerance 1e-10, seed " + SEED + ")");

            Tensor y = x.detach().clone().requires_grad_(true);
            Tensor logS = mix.logSf(y);
            logS.sum().backward();
            Tensor expectedS = mix.logPdf(y.detach()).sub(logS.detach()).exp().neg();
            double errS = maxAbs(y.grad().sub(expectedS).div(expectedS));
            assertTrue(errS < 1e-10, "relative error of d log S/dx " + errS + " (tolerance 1e-10, seed " + SEED + ")");
        }
    }

    /** The density integrates to 1 (trapezoid rule on [−60, 60], step 1e-3) to 1e-9, and F rises from 0 to 1. */
    @Test
    void densityIntegratesToOne() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            GaussianMixture1d mix = randomMixture(1, 7);
            long n = 120_001;
            Tensor x = torch.linspace(new Scalar(-60.0), new Scalar(60.0), n, f64());
            GaussianMixture1d wide = broadcastOver(
                    new GaussianMixture1d(
                            mix.logWeights().squeeze(0),
                            mix.means().squeeze(0),
                            mix.logScales().squeeze(0)),
                    n);
            Tensor p = wide.logPdf(x).exp();
            double h = 120.0 / (n - 1);
            double integral = p.sum().item_double() * h
                    - 0.5
                            * h
                            * (p.select(0, 0).item_double() + p.select(0, n - 1).item_double());
            assertTrue(Math.abs(integral - 1) < 1e-9, "∫p = " + integral + " (tolerance 1e-9, seed " + SEED + ")");
            Tensor f = wide.logCdf(x).exp();
            assertTrue(
                    f.select(0, 0).item_double() < 1e-12 && f.select(0, n - 1).item_double() > 1 - 1e-12,
                    "F(−60) ≈ 0, F(60) ≈ 1");
            assertTrue(f.diff().ge(new Scalar(0.0)).all().item_bool(), "F is non-decreasing");
        }
    }

    /** With one component the map is the affine one: u = (x − m)/σ to 1e-12, log-det = −log σ to 1e-12. */
    @Test
    void singleComponentIsAffine() {
        try (PointerScope s = new PointerScope()) {
            Tensor x = torch.linspace(new Scalar(-40.0), new Scalar(40.0), 801, f64());
            GaussianMixture1d one = new GaussianMixture1d(
                    torch.zeros(new long[] {801, 1}, f64()),
                    torch.full(new long[] {801, 1}, new Scalar(0.7), f64()),
                    torch.full(new long[] {801, 1}, new Scalar(0.3), f64()));
            GaussianMixture1d.Standardized st = one.toNormal(x);
            Tensor z = x.sub(new Scalar(0.7)).div(new Scalar(Math.exp(0.3)));
            double err = maxAbs(st.u().sub(z).div(z.abs().add(new Scalar(1.0))));
            assertTrue(err < 1e-12, "relative error of u " + err + " (tolerance 1e-12)");
            double errDet = maxAbs(st.logDet().add(new Scalar(0.3)));
            assertTrue(errDet < 1e-12, "log-det error " + errDet + " (tolerance 1e-12)");
        }
    }

    /** The elementwise log-det equals log du/dx from autograd to 1e-9, for x across [−50, 50]; all finite. */
    @Test
    void logDetIsTheLogDerivativeEverywhere() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            long n = 1001;
            Tensor x = torch.linspace(new Scalar(-50.0), new Scalar(50.0), n, f64())
                    .requires_grad_(true);
            GaussianMixture1d mix = broadcastOver(
                    new GaussianMixture1d(
                            torch.log_softmax(torch.randn(new long[] {6}, f64()), 0),
                            torch.randn(new long[] {6}, f64()).mul(new Scalar(2.0)),
                            torch.randn(new long[] {6}, f64()).mul(new Scalar(0.5))),
                    n);
            GaussianMixture1d.Standardized st = mix.toNormal(x);
            assertTrue(
                    torch.isfinite(st.u()).all().item_bool()
                            && torch.isfinite(st.logDet()).all().item_bool(),
                    "u and log-det finite on [−50, 50] (seed " + SEED + ")");
            st.u().sum().backward();
            double err = maxAbs(x.grad().log().sub(st.logDet().detach()));
            assertTrue(err < 1e-9, "max |log du/dx − logDet| " + err + " (tolerance 1e-9, seed " + SEED + ")");
            assertTrue(st.u().detach().diff().gt(new Scalar(0.0)).all().item_bool(), "u strictly increasing in x");
        }
    }

    /** Parameters of shape [K] broadcast to n elements. */
    static GaussianMixture1d broadcastOver(GaussianMixture1d mix, long n) {
        if (mix.logWeights().dim() == 1)
            return new GaussianMixture1d(
                    mix.logWeights().expand(n, mix.components()),
                    mix.means().expand(n, mix.components()),
                    mix.logScales().expand(n, mix.components()));
        long b = mix.logWeights().size(0);
        long k = mix.components();
        return new GaussianMixture1d(
                mix.logWeights().expand(n, b, k),
                mix.means().expand(n, b, k),
                mix.logScales().expand(n, b, k));
    }
}
