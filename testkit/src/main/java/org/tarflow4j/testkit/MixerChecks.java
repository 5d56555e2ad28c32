package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.api.numerics.Normal;

/**
 * The conformance checks for channel mixers, one method each, for use by {@link MixerHarness} or on their own. Every
 * check works in float64 on tensors {@code [BATCH, POSITIONS, C]} drawn from libtorch's default generator (seed it,
 * e.g. with {@link Seed#run}), and fails with an {@link AssertionError} that states the measured value and the
 * tolerance. Call them inside a {@code PointerScope}.
 */
public final class MixerChecks {
    /**
     * Largest {@code |x − m⁻¹(m(x))|} and {@code |y − m(m⁻¹(y))|} allowed (absolute for |x| ≤ 1, relative beyond):
     * mixers are closed-form maps, so only float64 rounding is allowed.
     */
    public static final double ROUND_TRIP_TOLERANCE = 1e-9;
    /** Largest {@code |logdet − log|det J||} allowed, per position. */
    public static final double LOG_DET_TOLERANCE = 1e-9;
    /** Inputs of round trips and Jacobians are uniform on {@code [−TAIL, TAIL]}. */
    public static final double TAIL = 6;
    /** Outputs and log-dets must stay finite for inputs in {@code [−WIDE, WIDE]}. */
    public static final double WIDE = 50;
    /** The full Jacobian is built for at most this many channels per position. */
    public static final int MAX_JACOBIAN_CHANNELS = 16;

    public static final long BATCH = 2;
    public static final long POSITIONS = 3;

    private MixerChecks() {}

    /**
     * {@code x → y → x} for x uniform on [−6, 6], and the shapes and dtypes of the output: y like x, the log-det
     * {@code [B, T]} in the dtype of x.
     */
    public static void roundTripFromData(ChannelMixer mixer, MixerContext context) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor x = uniform(context, TAIL);
            Transformed out = mixer.forward(x);
            assertEquals(shape(x), shape(out.value()), "the mixer's output must have the shape of its input");
            assertEquals(List.of(BATCH, POSITIONS), shape(out.logDet()), "the log-det must be [B, T]");
            assertEquals(torch.ScalarType.Double, out.value().scalar_type().intern(), "y must have the dtype of x");
            assertEquals(
                    torch.ScalarType.Double,
                    out.logDet().scalar_type().intern(),
                    "the log-det must have the dtype of x");
            Tensor back = mixer.inverse(out.value());
            double err = back.sub(x)
                    .abs()
                    .div(x.abs().clamp_min(new Scalar(1.0)))
                    .max()
                    .item_double();
            assertTrue(
                    err <= ROUND_TRIP_TOLERANCE,
                    () -> "x→y→x max error " + err + " > " + ROUND_TRIP_TOLERANCE
                            + " (absolute for |x| ≤ 1, relative beyond; x uniform on [−" + TAIL + ", " + TAIL + "])");
        }
    }

    /** {@code y → x → y} for y uniform on [−6, 6]; the inverse returns the shape and dtype of y. */
    public static void roundTripFromNoise(ChannelMixer mixer, MixerContext context) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor y = uniform(context, TAIL);
            Tensor x = mixer.inverse(y);
            assertEquals(shape(y), shape(x), "the inverse must return the shape of its input");
            assertEquals(torch.ScalarType.Double, x.scalar_type().intern(), "the inverse must return the dtype of y");
            Tensor again = mixer.forward(x).value();
            double err = again.sub(y)
                    .abs()
                    .div(y.abs().clamp_min(new Scalar(1.0)))
                    .max()
                    .item_double();
            assertTrue(
                    err <= ROUND_TRIP_TOLERANCE,
                    () -> "y→x→y max error " + err + " > " + ROUND_TRIP_TOLERANCE + " (y uniform on [−" + TAIL + ", "
                            + TAIL + "])");
        }
    }

    /**
     * Builds the full Jacobian {@code ∂y/∂x} by autograd at x uniform on [−6, 6] and checks that positions do not
     * influence each other (cross-position entries exactly 0: a mixer acts within each position) and that the
     * log-det equals {@code log|det J|} of each position's block to {@value #LOG_DET_TOLERANCE}.
     */
    public static void logDetMatchesJacobian(ChannelMixer mixer, MixerContext context) {
        int c = context.channels();
        if (c > MAX_JACOBIAN_CHANNELS)
            throw new IllegalArgumentException(
                    "the Jacobian check needs at most " + MAX_JACOBIAN_CHANNELS + " channels, the context has " + c);
        Tensor x = uniform(context, TAIL).requires_grad_(true);
        Transformed out = mixer.forward(x);
        long p = BATCH * POSITIONS;
        Tensor jacobian = Jacobians.of(out.value(), x).view(p, c, p, c);
        Tensor crossMask =
                torch.eye(p, f64()).view(p, 1, p, 1).expand_as(jacobian).eq(new Scalar(0.0));
        double cross = maxAbs(jacobian.masked_select(crossMask));
        assertEquals(0.0, cross, 0.0, "∂y/∂x between different positions must be exactly 0, largest entry is " + cross);
        TensorVector perPosition = new TensorVector();
        for (long i = 0; i < p; i++) perPosition.push_back(jacobian.select(2, i).select(0, i));
        Tensor logAbsDet = torch.linalg_slogdet(torch.stack(perPosition)).get1();
        assertTrue(
                torch.isfinite(logAbsDet).all().item_bool(),
                () -> "the mixer is singular: log|det J| = " + list(logAbsDet));
        Tensor logDet = out.logDet().detach().reshape(-1);
        double err = maxAbs(logDet.sub(logAbsDet));
        assertTrue(
                err <= LOG_DET_TOLERANCE,
                () -> "log-det differs from log|det J| by " + err + " > " + LOG_DET_TOLERANCE + ": mixer "
                        + list(logDet) + ", autograd " + list(logAbsDet));
    }

    /** No NaN or Inf in y, the log-det, or the inverse, for inputs in [−50, 50]. */
    public static void finiteOnWideInputs(ChannelMixer mixer, MixerContext context) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor x = uniform(context, WIDE);
            Transformed out = mixer.forward(x);
            assertFinite(out.value(), "y");
            assertFinite(out.logDet(), "the log-det");
            assertFinite(mixer.inverse(x), "the inverse");
        }
    }

    /**
     * Every parameter tensor gets a gradient with at least one non-zero entry from the likelihood loss
     * {@code −(log N(y; 0, I) + logdet)}. Only for mixers with parameters.
     */
    public static void everyParameterLearns(ChannelMixer mixer, MixerContext context) {
        var params = Parameters.named(mixer.module());
        assertTrue(!params.isEmpty(), "the mixer has no parameters");
        mixer.module().zero_grad(true);
        Transformed out = mixer.forward(uniform(context, TAIL));
        Normal.logPdf(out.value()).sum(-1).add(out.logDet()).neg().mean().backward();
        List<String> silent = new ArrayList<>();
        params.forEach((name, param) -> {
            Tensor g = param.grad();
            if (!g.defined() || maxAbs(g) == 0.0) silent.add(name);
            else assertFinite(g, "∂loss/∂" + name);
        });
        assertTrue(silent.isEmpty(), () -> "no gradient from the likelihood loss reaches " + silent);
    }

    /**
     * Saved with {@code module().save} and loaded into {@code fresh} (a new mixer from the same case), the mixer
     * computes exactly what it computed before: y, the log-det and the inverse. See
     * {@link ModuleChecks#survivesSaveAndLoad}.
     */
    public static void survivesSaveAndLoad(ChannelMixer original, ChannelMixer fresh, MixerContext context) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor x = uniform(context, TAIL);
            ModuleChecks.survivesSaveAndLoad(original.module(), fresh.module(), module -> {
                ChannelMixer m = module == original.module() ? original : fresh;
                Transformed out = m.forward(x);
                return List.of(out.value(), out.logDet(), m.inverse(x));
            });
        }
    }

    /** {@code [BATCH, POSITIONS, C]} uniform on [−bound, bound]; the first position is all −bound, the last all +bound. */
    public static Tensor uniform(MixerContext context, double bound) {
        Tensor t = torch.rand(new long[] {BATCH, POSITIONS, context.channels()}, f64())
                .mul(new Scalar(2 * bound))
                .sub(new Scalar(bound));
        t.narrow(0, 0, 1).narrow(1, 0, 1).fill_(new Scalar(-bound));
        t.narrow(0, BATCH - 1, 1).narrow(1, POSITIONS - 1, 1).fill_(new Scalar(bound));
        return t;
    }

    private static void assertFinite(Tensor t, String what) {
        long bad = torch.isfinite(t).logical_not().sum().item_long();
        assertEquals(
                0,
                bad,
                () -> bad + " entries of " + what + " are NaN or infinite for inputs in [−" + WIDE + ", " + WIDE + "]");
    }

    /** Made per call: a static one would be freed by the pointer scope that happened to load this class. */
    private static TensorOptions f64() {
        return new TensorOptions(torch.ScalarType.Double);
    }

    private static double maxAbs(Tensor t) {
        return t.numel() == 0 ? 0.0 : t.abs().max().item_double();
    }

    private static List<Long> shape(Tensor t) {
        List<Long> out = new ArrayList<>();
        for (long i = 0; i < t.dim(); i++) out.add(t.size(i));
        return out;
    }

    private static List<Double> list(Tensor t) {
        Tensor flat = t.reshape(-1);
        List<Double> out = new ArrayList<>();
        for (long i = 0; i < flat.size(0); i++) out.add(flat.get(i).item_double());
        return out;
    }
}
