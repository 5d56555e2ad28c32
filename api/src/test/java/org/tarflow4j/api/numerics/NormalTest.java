package org.tarflow4j.api.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class NormalTest {
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);

    /** Φ⁻¹ recovers z from (log Φ(z), log(1−Φ(z))) to 1e-9 relative across both tails, z ∈ [−37, 37]. */
    @Test
    void quantileInvertsBothTails() {
        try (PointerScope s = new PointerScope()) {
            Tensor z = torch.linspace(new Scalar(-37.0), new Scalar(37.0), 2001, F64);
            Tensor u = Normal.quantile(Normal.logCdf(z), Normal.logSf(z));
            double err = u.sub(z).abs().div(z.abs().add(new Scalar(1.0))).max().item_double();
            assertTrue(err < 1e-9, "max relative error " + err);
        }
    }

    /** Where the probability underflows (log p down to −1e12) the quantile is finite and satisfies log Φ(u) = log p to 1e-9 relative. */
    @Test
    void quantileIsFiniteFarBeyondUnderflow() {
        try (PointerScope s = new PointerScope()) {
            Tensor logP = torch.logspace(new Scalar(0.0), new Scalar(12.0), 49, 10.0, F64)
                    .neg();
            Tensor u = Normal.lowerQuantile(logP);
            assertTrue(torch.isfinite(u).all().item_bool());
            double err = Normal.logCdf(u).sub(logP).abs().div(logP.abs()).max().item_double();
            assertTrue(err < 1e-9, "max relative residual " + err);
        }
    }

    /** The implicit-function gradient equals du/dlog p = Φ(u)/φ(u) to 1e-9 relative. */
    @Test
    void quantileGradientIsPhiOverDensity() {
        try (PointerScope s = new PointerScope()) {
            Tensor logP = torch.linspace(new Scalar(-2000.0), new Scalar(-0.7), 101, F64)
                    .requires_grad_(true);
            Tensor u = Normal.lowerQuantile(logP);
            u.sum().backward();
            Tensor expected =
                    Normal.logCdf(u.detach()).sub(Normal.logPdf(u.detach())).exp();
            double err = logP.grad().sub(expected).abs().div(expected).max().item_double();
            assertTrue(err < 1e-9, "max relative gradient error " + err);
            assertEquals(0, torch.isnan(logP.grad()).sum().item_long());
        }
    }

    /**
     * The gradient of log Φ is φ/Φ: against libtorch's own derivative to 1e-10 relative on [−30, 30], against the
     * asymptotic z → −∞ limit −z to 1e-9 relative at z = −1e3, and finite out to |z| = 1e9, even where a zero weight
     * multiplies it (libtorch's derivative overflows there, which made training steps NaN).
     */
    @Test
    void logCdfGradientIsFiniteAndExact() {
        try (PointerScope s = new PointerScope()) {
            Tensor z = torch.linspace(new Scalar(-30.0), new Scalar(30.0), 3001, F64)
                    .requires_grad_(true);
            Normal.logCdf(z).sum().backward();
            Tensor ref = z.detach().clone().requires_grad_(true);
            torch.special_log_ndtr(ref).sum().backward();
            double err = z.grad()
                    .sub(ref.grad())
                    .abs()
                    .div(ref.grad().abs().add(new Scalar(1e-300)))
                    .max()
                    .item_double();
            assertTrue(err < 1e-10, "relative gradient error on [-30, 30]: " + err);
            Tensor far =
                    Tensor.create(new double[] {-1e9, -1e6, -1e3, 1e3, 1e9}).requires_grad_(true);
            Tensor weights = Tensor.create(new double[] {0, 0, 1, 1, 0});
            Normal.logCdf(far).mul(weights).sum().backward();
            assertTrue(torch.isfinite(far.grad()).all().item_bool(), "finite gradient far in both tails");
            Tensor lone = Tensor.create(new double[] {-1e3}).requires_grad_(true);
            Normal.logCdf(lone).sum().backward();
            assertEquals(1.0, lone.grad().item_double() / 1e3, 1e-6, "φ(z)/Φ(z) ≈ −z − 1/z at z = −1000");
        }
    }

    /**
     * {@code log Φ} against libtorch's {@code special_log_ndtr} on [−60, 40], through the hand-over to the asymptotic
     * series at z = −30: within {@code 4e-16 + 1e-14·|log Φ|} (absolute where {@code log Φ} is near 0 above the median,
     * relative in the lower tail), and in float32 within {@code 2e-7 + 1e-6·|log Φ|} on [−20, 20].
     */
    @Test
    void logCdfMatchesLibtorchsLogNdtr() {
        try (PointerScope s = new PointerScope()) {
            Tensor z = torch.linspace(new Scalar(-60.0), new Scalar(40.0), 10_001, F64);
            Tensor ref = torch.special_log_ndtr(z);
            double err = Normal.logCdf(z)
                    .sub(ref)
                    .abs()
                    .sub(ref.abs().mul(new Scalar(1e-14)))
                    .max()
                    .item_double();
            assertTrue(err < 4e-16, "float64 error beyond 1e-14 relative: " + err);
            Tensor z32 = torch.linspace(new Scalar(-20.0), new Scalar(20.0), 4_001, F64);
            Tensor ref32 = torch.special_log_ndtr(z32);
            double err32 = Normal.logCdf(z32.to(torch.ScalarType.Float))
                    .to(torch.ScalarType.Double)
                    .sub(ref32)
                    .abs()
                    .sub(ref32.abs().mul(new Scalar(1e-6)))
                    .max()
                    .item_double();
            assertTrue(err32 < 2e-7, "float32 error beyond 1e-6 relative: " + err32);
        }
    }

    /**
     * The host solver's {@code log Φ} agrees with libtorch's {@code special_log_ndtr} from z = −1e4 to 40, to
     * {@code 1e-15 + 1e-14·|log Φ|}: far below what the solver's residual tolerance of 1e-13 can see (above the median,
     * where {@code log Φ ≈ −Φ(−z)} is tiny, the two differ by up to 1.2e-14 of it, below 1e-29 absolute).
     */
    @Test
    void hostLogNdtrMatchesLibtorch() {
        try (PointerScope s = new PointerScope()) {
            Tensor z = torch.cat(new TensorVector(
                    torch.linspace(new Scalar(-40.0), new Scalar(40.0), 4001, GaussianMixture1dTest.f64()),
                    Tensor.create(-1e4, -3000.0, -500.0, -100.0, -2.1213203435596424, -2.12132034355964, 0.0, -0.0)));
            double[] zs = org.tarflow4j.api.Placement.hostDoubles(z);
            double[] reference = org.tarflow4j.api.Placement.hostDoubles(torch.special_log_ndtr(z));
            double worst = 0;
            for (int i = 0; i < zs.length; i++) {
                double host = HostSolve.logNdtr(zs[i]);
                double err = Math.abs(host - reference[i]) / (1e-15 + 1e-14 * Math.abs(reference[i]));
                worst = Math.max(worst, err);
                assertTrue(err <= 1, "z = " + zs[i] + ": host " + host + ", libtorch " + reference[i]);
            }
            System.out.println("host log Φ vs libtorch: worst difference " + worst + " of the tolerance");
        }
    }

    /**
     * The form that never waits for a device (the asymptotic series for every element, chosen by {@code where}) gives
     * exactly the values and slopes of the compact form the CPU uses, in float64 and float32, far into the lower tail.
     */
    @Test
    void logCdfWithoutHostReadsEqualsTheCompactForm() {
        try (PointerScope s = new PointerScope()) {
            for (torch.ScalarType dtype : new torch.ScalarType[] {torch.ScalarType.Double, torch.ScalarType.Float}) {
                Tensor z = torch.cat(new TensorVector(
                                torch.linspace(new Scalar(-60.0), new Scalar(40.0), 1001, F64),
                                Tensor.create(-1e9, -1e6, -1e3, 1e3, 1e9)))
                        .to(dtype);
                Tensor a = z.clone().requires_grad_(true);
                Tensor b = z.clone().requires_grad_(true);
                Tensor va = Normal.logCdf(a, true);
                Tensor vb = Normal.logCdf(b, false);
                va.sum().backward();
                vb.sum().backward();
                assertTrue(torch.equal(va.detach(), vb.detach()), dtype + ": values differ");
                assertTrue(torch.equal(a.grad(), b.grad()), dtype + ": slopes differ");
            }
        }
    }

    /**
     * The values and slopes given to hand-written backward passes are exactly those autograd gets from {@code logCdf}
     * and {@code lowerQuantile}: bit-identical for {@code logCdfAndSlope}, for {@code lowerQuantileSlope} (evaluated at
     * the returned quantile rather than the last Newton iterate) to 1e-12 relative in float64 and 1e-5 in float32 (measured 1.7e-13 and 3.8e-6: out to log p = −700 the quantile is about −37, where the slope
     * changes by |u| per unit of u).
     */
    @Test
    void slopesForHandWrittenBackwardPassesAreAutogradsSlopes() {
        try (PointerScope s = new PointerScope()) {
            for (torch.ScalarType dtype : new torch.ScalarType[] {torch.ScalarType.Double, torch.ScalarType.Float}) {
                Tensor z = torch.cat(new TensorVector(
                                torch.linspace(new Scalar(-60.0), new Scalar(40.0), 1001, F64),
                                Tensor.create(-1e9, -1e3, 1e3)))
                        .to(dtype);
                Tensor a = z.clone().requires_grad_(true);
                Tensor value = Normal.logCdf(a);
                value.sum().backward();
                Normal.LogCdf c = Normal.logCdfAndSlope(z);
                assertTrue(torch.equal(value.detach(), c.value()), dtype + ": values differ");
                assertTrue(torch.equal(a.grad(), c.slope()), dtype + ": slopes differ");

                Tensor logP = torch.linspace(new Scalar(-700.0), new Scalar(Math.log(0.6)), 701, F64)
                        .to(dtype)
                        .requires_grad_(true);
                Tensor u = Normal.lowerQuantile(logP);
                u.sum().backward();
                Tensor slope = Normal.lowerQuantileSlope(u);
                double tolerance = dtype == torch.ScalarType.Double ? 1e-12 : 1e-5;
                double err = slope.sub(logP.grad())
                        .abs()
                        .div(logP.grad().abs())
                        .max()
                        .item_double();
                assertTrue(err <= tolerance, dtype + ": du/dlogP differs by " + err + " relative");
            }
        }
    }

    /**
     * A tail summed from clamped values is the exact one to the share {@code negligibleBelow} claims: rows of weights
     * over components near {@code x} and components far below the series threshold ({@code z} down to −1e6) in both
     * dtypes; where every component is far below, or the far ones hold nearly all the weight and the near ones sit
     * deep in their tails, the claim is refused (and the complete values are then exact).
     */
    @Test
    void clampedTailsAreExactToTheShareTheyClaim() {
        try (PointerScope s = new PointerScope()) {
            for (torch.ScalarType dtype : new torch.ScalarType[] {torch.ScalarType.Double, torch.ScalarType.Float}) {
                double limit = dtype == torch.ScalarType.Double ? 1e-15 : 1e-7;
                double[] nearAndFar = {-2.0, 0.5, 3.0, -40.0, -1e3, -1e6};
                double[] allFar = {-45.0, -60.0, -1e3, -35.0, -1e6, -80.0};
                double[] farHoldingTheWeight = {-25.0, -28.0, -50.0, -1e3, -1e4, -1e5};
                Tensor z = torch.stack(new TensorVector(
                                Tensor.create(nearAndFar), Tensor.create(allFar), Tensor.create(farHoldingTheWeight)))
                        .to(dtype);
                Tensor logits = torch.zeros(3, 6);
                logits.select(0, 2).narrow(0, 0, 2).fill_(new Scalar(-300.0)); // the near ones of row 3: e^-300
                Tensor logWeights = torch.log_softmax(logits.to(torch.ScalarType.Double), -1)
                        .to(dtype);
                Normal.Clamped c = Normal.logCdfClamped(z, false);
                Tensor clamped = torch.logsumexp(logWeights.add(c.value()), new long[] {-1}, false);
                Tensor exact = torch.logsumexp(logWeights.add(Normal.logCdf(z)), new long[] {-1}, false);
                assertTrue(c.negligibleBelow(clamped.narrow(0, 0, 1)), dtype + ": near components");
                double err =
                        clamped.narrow(0, 0, 1).sub(exact.narrow(0, 0, 1)).abs().item_double();
                assertTrue(err <= limit, dtype + ": the clamped tail is off by " + err);
                assertFalse(c.negligibleBelow(clamped.narrow(0, 1, 1)), dtype + ": all far");
                assertFalse(c.negligibleBelow(clamped.narrow(0, 2, 1)), dtype + ": far weight");
                assertFalse(c.negligibleBelow(clamped), dtype + ": one row refusing refuses all");
                Tensor completed =
                        torch.logsumexp(logWeights.add(Normal.complete(c, z).value()), new long[] {-1}, false);
                assertTrue(torch.equal(completed, exact), dtype + ": the complete values are the exact ones");
            }
        }
    }

    /**
     * The quantile's Newton iteration stops early only where more steps would not move it: two further Newton steps on
     * {@code log Φ(u) = log p}, taken here, change {@code u} by at most 1e-13·(1 + |u|) in float64 and 1e-5·(1 + |u|)
     * in float32, from the median down to {@code log p = −1e5} (the asymptotic start's range included).
     */
    @Test
    void quantileStopsOnlyWhenNewtonHasSettled() {
        try (PointerScope s = new PointerScope()) {
            for (torch.ScalarType dtype : new torch.ScalarType[] {torch.ScalarType.Double, torch.ScalarType.Float}) {
                Tensor logP = torch.cat(new TensorVector(
                                torch.linspace(new Scalar(-700.0), new Scalar(Math.log(0.6)), 2001, F64),
                                torch.linspace(new Scalar(-1e5), new Scalar(-700.0), 101, F64)))
                        .to(dtype);
                Tensor u = Normal.lowerQuantile(logP);
                Tensor further = u.to(torch.ScalarType.Double);
                Tensor target = logP.to(torch.ScalarType.Double);
                for (int i = 0; i < 2; i++) {
                    Normal.LogCdf c = Normal.logCdfAndSlope(further);
                    further = further.sub(c.value().sub(target).div(c.slope()));
                }
                double tolerance = dtype == torch.ScalarType.Double ? 1e-13 : 1e-5;
                double moved = further.sub(u.to(torch.ScalarType.Double))
                        .abs()
                        .div(u.to(torch.ScalarType.Double).abs().add(new Scalar(1.0)))
                        .max()
                        .item_double();
                assertTrue(moved <= tolerance, dtype + ": further Newton steps moved u by " + moved + " relative");
            }
        }
    }
}
