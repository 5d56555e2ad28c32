package org.tarflow4j.coupling.mog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.InverseReport;
import org.tarflow4j.api.JacobianShape;
import org.tarflow4j.api.OptionException;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.testkit.Parameters;

class MixtureCdfCouplingTest {
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);
    private static final long SEED = 424242L;
    private static final CouplingContext CONTEXT = new CouplingContext(5, 5, 7, 16, Optional.empty());

    private static Coupling create(Map<String, ?> options, CouplingContext context) {
        Options table = Options.of("couplings.mog", "test", options);
        Coupling c = new MixtureCdfCouplingProvider().create(table, context);
        table.requireAllRead();
        c.module().to(torch.ScalarType.Double, false);
        return c;
    }

    private static double maxAbs(Tensor t) {
        return t.abs().max().item_double();
    }

    /**
     * With K = 1 and independent channels, u = (x − m)/σ and log-det = −Σ_c log σ_c, with m and log σ read off the
     * head: to 1e-12.
     */
    @Test
    void oneComponentIsTheAffineFormula() {
        Coupling c = create(Map.of("mixtures", 1L, "channel_autoregressive", false), CONTEXT);
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Parameters.fillNormal(c, 0.5);
            Tensor h = torch.randn(new long[] {2, 3, 7}, F64);
            Tensor x = torch.randn(new long[] {2, 3, 5}, F64).mul(new Scalar(3.0));
            Tensor raw = torch.linear(
                            h, Parameters.get(c, "head.weight"), new TensorOptional(Parameters.get(c, "head.bias")))
                    .unflatten(-1, 5, 3);
            Tensor m = raw.select(-1, 1);
            Tensor logScale = new ScaleBounds(-10, 5).logScale(raw.select(-1, 2));
            Transformed out = c.forward(x, h);
            double errU = maxAbs(out.value().sub(x.sub(m).mul(logScale.neg().exp())));
            double errDet = maxAbs(out.logDet()
                    .add(logScale.sum(new long[] {-1}, false, new org.bytedeco.pytorch.ScalarTypeOptional())));
            assertTrue(errU < 1e-12, "u vs (x − m)/σ: " + errU + " (tolerance 1e-12, seed " + SEED + ")");
            assertTrue(errDet < 1e-12, "log-det vs −Σ log σ: " + errDet + " (tolerance 1e-12, seed " + SEED + ")");
            try (NoGradGuard ignored = new NoGradGuard()) {
                double errX = maxAbs(c.inverse(out.value(), h).sub(x));
                assertTrue(errX < 1e-12, "inverse vs m + σu: " + errX + " (tolerance 1e-12)");
            }
        }
    }

    /** At initialisation the map is close to the identity (|u − x| < 0.05, |log-det| < 0.05 per channel for |x| ≤ 3) and the means differ. */
    @Test
    void startsNearTheIdentityWithDistinctComponents() {
        Coupling c = create(Map.of(), CONTEXT);
        try (PointerScope s = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            torch.manual_seed(SEED);
            Tensor x = torch.linspace(new Scalar(-3.0), new Scalar(3.0), 61, F64)
                    .view(1, 61, 1)
                    .expand(1, 61, 5);
            Transformed out = c.forward(x, torch.randn(new long[] {1, 61, 7}, F64));
            double du = maxAbs(out.value().sub(x));
            double det = maxAbs(out.logDet()) / 5;
            assertTrue(du < 0.05, "max |u − x| at initialisation " + du + " (bound 0.05)");
            assertTrue(det < 0.05, "max |log-det| per channel at initialisation " + det + " (bound 0.05)");
            Tensor means = Parameters.get(c, "head.bias").narrow(0, 27, 27);
            assertTrue(
                    means.diff().gt(new Scalar(1e-3)).all().item_bool(),
                    "27 distinct initial means, 1e-3 apart at least");
        }
    }

    /** log σ stays within [min − 1e-6, max] for any raw value, is nearly the identity well inside, and raw() inverts it to 1e-12. */
    @Test
    void scaleBoundsAreSmoothAndInvertible() {
        try (PointerScope s = new PointerScope()) {
            ScaleBounds b = new ScaleBounds(-10, 5);
            Tensor raw = torch.linspace(new Scalar(-1e3), new Scalar(1e3), 20001, F64);
            Tensor logScale = b.logScale(raw);
            assertTrue(
                    logScale.min().item_double() >= -10 - 1e-6 && logScale.max().item_double() <= 5, "bounded");
            assertTrue(logScale.diff().ge(new Scalar(0.0)).all().item_bool(), "non-decreasing");
            Tensor inside = torch.linspace(new Scalar(-1.0), new Scalar(0.5), 31, F64);
            double off = maxAbs(b.logScale(inside).sub(inside));
            assertTrue(
                    off < 0.012,
                    "inside the bounds the identity up to e^−(distance to the nearer bound): " + off
                            + " (bound 0.012)");
            for (double y : new double[] {-9.9, -5, Math.log(1e-4), 0, 4.9}) {
                double back = b.logScale(Tensor.create(b.raw(y))).item_double();
                assertEquals(y, back, 1e-12, "logScale(raw(" + y + "))");
            }
        }
    }

    /**
     * The paper's Mix-1 conditions each channel on the earlier ones: that is the default wherever a position has two
     * channels or more; a single channel has none to condition on.
     */
    @Test
    void channelAutoregressiveIsTheDefault() {
        assertEquals(JacobianShape.LOWER_TRIANGULAR, create(Map.of(), CONTEXT).jacobianShape());
        assertEquals(
                JacobianShape.DIAGONAL,
                create(Map.of("channel_autoregressive", false), CONTEXT).jacobianShape());
        assertEquals(
                JacobianShape.DIAGONAL,
                create(Map.of(), new CouplingContext(1, 1, 7, 16, Optional.empty()))
                        .jacobianShape());
    }

    /** Channel-autoregressive: u_c depends on x_j for some j < c (by more than 1e-3) and on no x_j with j > c (exactly). */
    @Test
    void autoregressiveChannelsSeeOnlyEarlierChannels() {
        Coupling c = create(Map.of("channel_autoregressive", true, "mixtures", 4L, "hidden_width", 32L), CONTEXT);
        assertEquals(JacobianShape.LOWER_TRIANGULAR, c.jacobianShape());
        try (PointerScope s = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            torch.manual_seed(SEED);
            Parameters.fillNormal(c, 0.5);
            Tensor h = torch.randn(new long[] {1, 4, 7}, F64);
            Tensor x = torch.randn(new long[] {1, 4, 5}, F64);
            Tensor u = c.forward(x, h).value();
            for (int j = 0; j < 5; j++) {
                Tensor bumped = x.clone();
                bumped.narrow(2, j, 1).add_(new Scalar(0.5));
                Tensor du = c.forward(bumped, h).value().sub(u).abs();
                if (j > 0)
                    assertEquals(
                            0.0, du.narrow(2, 0, j).max().item_double(), 0.0, "u_{<" + j + "} must not see x_" + j);
                if (j < 4)
                    assertTrue(
                            du.narrow(2, j + 1, 4 - j).max().item_double() > 1e-3,
                            "u_{>" + j + "} must see x_" + j + " (seed " + SEED + ")");
            }
        }
    }

    /** The inverse reports one element per channel and position, all converged. */
    @Test
    void lastInverseCountsEveryElement() {
        for (boolean ar : new boolean[] {false, true}) {
            Coupling c = create(Map.of("channel_autoregressive", ar), CONTEXT);
            try (PointerScope s = new PointerScope();
                    NoGradGuard ignored = new NoGradGuard()) {
                torch.manual_seed(SEED);
                c.inverse(torch.randn(new long[] {2, 3, 5}, F64), torch.randn(new long[] {2, 3, 7}, F64));
                InverseReport r = c.lastInverse();
                assertEquals(30, r.elements(), r.toString());
                assertEquals(0, r.unconverged(), r.toString());
            }
        }
    }

    /** Features in float32 with data in float64: the head runs in float32, the results are float64 and round-trip to 1e-10. */
    @Test
    void headRunsInTheFeaturesDtype() {
        Coupling c = create(Map.of("channel_autoregressive", true), CONTEXT);
        try (PointerScope s = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            torch.manual_seed(SEED);
            Tensor h = torch.randn(2, 3, 7);
            Tensor x = torch.randn(new long[] {2, 3, 5}, F64);
            Transformed out = c.forward(x, h);
            assertEquals(torch.ScalarType.Double, out.value().scalar_type().intern());
            double err = maxAbs(c.inverse(out.value(), h).sub(x));
            assertTrue(err < 1e-10, "round trip with float32 features " + err + " (tolerance 1e-10)");
        }
    }

    @Test
    void rejectsOptionsThatCannotApply() {
        OptionException hidden = assertThrows(
                OptionException.class,
                () -> create(Map.of("channel_autoregressive", false, "hidden_width", 64L), CONTEXT));
        assertTrue(
                hidden.getMessage().contains("hidden_width")
                        && hidden.getMessage().contains("channel_autoregressive"),
                hidden.getMessage());
        CouplingContext one = new CouplingContext(1, 1, 7, 16, Optional.empty());
        OptionException single =
                assertThrows(OptionException.class, () -> create(Map.of("channel_autoregressive", true), one));
        assertTrue(single.getMessage().contains("at least 2 channels"), single.getMessage());
        OptionException k = assertThrows(OptionException.class, () -> create(Map.of("mixtures", 0L), CONTEXT));
        assertTrue(k.getMessage().contains("mixtures"), k.getMessage());
    }
}
