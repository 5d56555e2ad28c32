package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.JacobianShape;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.api.numerics.Normal;

/**
 * The conformance checks, one method each, for use by {@link CouplingHarness} or on their own. Every check draws its
 * inputs from libtorch's default generator (seed it, e.g. with {@link Seed#run}), works in float64 on tensors
 * {@code [BATCH, POSITIONS, C]} with features {@code [BATCH, POSITIONS, D]} drawn from {@code N(0, 1)}, and fails
 * with an {@link AssertionError} that states the measured value and the tolerance. Call them inside a
 * {@code PointerScope}.
 */
public final class CouplingChecks {
    /** Largest {@code |x − f⁻¹(f(x))|} and {@code |u − f(f⁻¹(u))|} allowed. */
    public static final double ROUND_TRIP_TOLERANCE = 1e-6;
    /** Largest {@code |logdet − log|det J||} allowed, per position. */
    public static final double LOG_DET_TOLERANCE = 1e-6;
    /** Inputs of round trips and Jacobians are uniform on {@code [−TAIL, TAIL]}, endpoints included. */
    public static final double TAIL = 6;
    /** Forward passes and their gradients must stay finite for data in {@code [−WIDE, WIDE]}. */
    public static final double WIDE = 50;
    /** The full Jacobian is built for at most this many channels per position. */
    public static final int MAX_JACOBIAN_CHANNELS = 8;
    /** Relative tolerance between a forward call on all positions and one on a single position (summation order may differ). */
    public static final double POSITION_TOLERANCE = 1e-9;

    public static final long BATCH = 2;
    public static final long POSITIONS = 3;

    private CouplingChecks() {}

    /**
     * {@code x → u → x} for the x that the coupling maps to u uniform on [−6, 6]: the data-side values the flow gives
     * mass to, tails included. (Uniform x would include points between well-separated mixture components, where
     * F(x) is flat to float64 precision and no inverse can recover x.) The error is absolute for |x| ≤ 1 and relative
     * beyond, as heavy-tailed couplings send |u| = 6 to very large x. Also checks output shapes, dtypes and inverse
     * convergence.
     */
    public static void roundTripFromData(Coupling coupling, CouplingContext context) {
        roundTripFromData(coupling, context, Tolerances.FLOAT64);
    }

    /** {@link #roundTripFromData(Coupling, CouplingContext)} to the round-trip tolerance of {@code tolerances}. */
    public static void roundTripFromData(Coupling coupling, CouplingContext context, Tolerances tolerances) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor h = features(context, POSITIONS);
            Tensor x = coupling.inverse(uniform(context, TAIL), h);
            Transformed out = coupling.forward(x, h);
            checkShapes(out, x);
            Tensor back = coupling.inverse(out.value(), h);
            assertConverged(coupling, "x→u→x");
            double err = back.sub(x)
                    .abs()
                    .div(x.abs().clamp_min(new Scalar(1.0)))
                    .max()
                    .item_double();
            assertTrue(
                    err <= tolerances.roundTrip(),
                    () -> "x→u→x max error " + err + " > " + tolerances.roundTrip() + " (" + tolerances.name()
                            + "; absolute for |x| ≤ 1, relative beyond; x = f⁻¹(u), u uniform on [−" + TAIL + ", "
                            + TAIL + "])");
        }
    }

    /** {@code u → x → u} for u uniform on [−6, 6], the tails included; also checks inverse convergence. */
    public static void roundTripFromNoise(Coupling coupling, CouplingContext context) {
        roundTripFromNoise(coupling, context, Tolerances.FLOAT64);
    }

    /** {@link #roundTripFromNoise(Coupling, CouplingContext)} to the round-trip tolerance of {@code tolerances}. */
    public static void roundTripFromNoise(Coupling coupling, CouplingContext context, Tolerances tolerances) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor h = features(context, POSITIONS);
            Tensor u = uniform(context, TAIL);
            Tensor x = coupling.inverse(u, h);
            assertConverged(coupling, "u→x→u");
            assertEquals(torch.ScalarType.Double, x.scalar_type().intern(), "inverse must return the dtype of u");
            double err = maxAbs(coupling.forward(x, h).value().sub(u));
            assertTrue(
                    err <= tolerances.roundTrip(),
                    () -> "u→x→u max abs error " + err + " > " + tolerances.roundTrip() + " (" + tolerances.name()
                            + "; u uniform on [−" + TAIL + ", " + TAIL + "])");
        }
    }

    /**
     * Builds the full Jacobian {@code ∂u/∂x} by autograd at {@code x = f⁻¹(u)}, u uniform on [−6, 6], and checks that
     * positions do not influence each other (cross-position entries exactly 0), that the structure promised by
     * {@link Coupling#jacobianShape()} holds exactly, and that the log-det equals {@code log|det J|} of each
     * position's block to {@value #LOG_DET_TOLERANCE}.
     */
    public static void logDetMatchesJacobian(Coupling coupling, CouplingContext context) {
        logDetMatchesJacobian(coupling, context, Tolerances.FLOAT64);
    }

    /** {@link #logDetMatchesJacobian(Coupling, CouplingContext)} to the log-det tolerance of {@code tolerances}. */
    public static void logDetMatchesJacobian(Coupling coupling, CouplingContext context, Tolerances tolerances) {
        int c = context.channels();
        if (c > MAX_JACOBIAN_CHANNELS)
            throw new IllegalArgumentException(
                    "the Jacobian check needs at most " + MAX_JACOBIAN_CHANNELS + " channels, the context has " + c);
        Tensor h = features(context, POSITIONS);
        Tensor x;
        try (NoGradGuard ignored = new NoGradGuard()) {
            x = coupling.inverse(uniform(context, TAIL), h).detach();
        }
        x.requires_grad_(true);
        Transformed out = coupling.forward(x, h);
        long p = BATCH * POSITIONS;
        Tensor jacobian = Jacobians.of(out.value(), x).view(p, c, p, c);

        Tensor crossMask =
                torch.eye(p, f64()).view(p, 1, p, 1).expand_as(jacobian).eq(new Scalar(0.0));
        double cross = maxAbs(jacobian.masked_select(crossMask));
        assertEquals(0.0, cross, 0.0, "∂u/∂x between different positions must be exactly 0, largest entry is " + cross);

        TensorVector perPosition = new TensorVector();
        for (long i = 0; i < p; i++) perPosition.push_back(jacobian.select(2, i).select(0, i));
        Tensor blocks = torch.stack(perPosition);
        checkStructure(coupling.jacobianShape(), blocks);

        Tensor logAbsDet = torch.linalg_slogdet(blocks).get1();
        Tensor logDet = out.logDet().detach().reshape(-1);
        assertTrue(
                torch.isfinite(logAbsDet).all().item_bool(),
                () -> "the Jacobian is singular: log|det J| = " + list(logAbsDet));
        double err = maxAbs(logDet.sub(logAbsDet));
        assertTrue(
                err <= tolerances.logDet(),
                () -> "log-det differs from log|det J| by " + err + " > " + tolerances.logDet() + " ("
                        + tolerances.name() + "): coupling " + list(logDet) + ", autograd " + list(logAbsDet));
    }

    /** No NaN or Inf in {@code u}, the log-det, or the gradients of the likelihood loss, for x in [−50, 50]. */
    public static void finiteOnWideInputs(Coupling coupling, CouplingContext context) {
        long positions = 201;
        Tensor grid = torch.linspace(new Scalar(-WIDE), new Scalar(WIDE), positions, f64())
                .view(1, positions, 1)
                .expand(new long[] {1, positions, context.channels()});
        Tensor random = torch.rand(new long[] {1, positions, context.channels()}, f64())
                .mul(new Scalar(2 * WIDE))
                .sub(new Scalar(WIDE));
        Tensor x = torch.cat(new TensorVector(grid, random), 0).requires_grad_(true);
        coupling.module().zero_grad(true);
        Transformed out = coupling.forward(x, features(context, positions));
        assertFinite(out.value(), "u");
        assertFinite(out.logDet(), "the log-det");
        negativeLogLikelihood(out).backward();
        assertFinite(x.grad(), "∂loss/∂x");
        Parameters.named(coupling).forEach((name, param) -> {
            if (param.grad().defined()) assertFinite(param.grad(), "∂loss/∂" + name);
        });
    }

    /** Every parameter tensor gets a gradient with at least one non-zero entry from the likelihood loss. */
    public static void everyParameterLearns(Coupling coupling, CouplingContext context) {
        Map<String, Tensor> params = Parameters.named(coupling);
        assertFalse(params.isEmpty(), "the coupling has no parameters");
        coupling.module().zero_grad(true);
        Tensor x = torch.randn(new long[] {BATCH, POSITIONS, context.channels()}, f64());
        negativeLogLikelihood(coupling.forward(x, features(context, POSITIONS))).backward();
        List<String> silent = new ArrayList<>();
        params.forEach((name, param) -> {
            Tensor g = param.grad();
            if (!g.defined() || maxAbs(g) == 0.0) silent.add(name);
        });
        assertTrue(silent.isEmpty(), () -> "no gradient from the likelihood loss reaches " + silent);
    }

    /**
     * Calling on one position gives what calling on all positions gives there: forward to {@value #POSITION_TOLERANCE}
     * relative, inverse to {@value #ROUND_TRIP_TOLERANCE} relative (an iterative solver may stop differently). The
     * log-det of a density coupling is {@code log p(x) − log φ(u)}, a difference of terms of size {@code |u|²/2}, so it
     * is compared relative to that size: rounding in the last bit of the inputs (a matmul of another shape) moves it
     * by that much.
     */
    public static void positionAgnostic(Coupling coupling, CouplingContext context) {
        positionAgnostic(coupling, context, Tolerances.FLOAT64);
    }

    /**
     * {@link #positionAgnostic(Coupling, CouplingContext)} with the position and round-trip tolerances of
     * {@code tolerances}.
     */
    public static void positionAgnostic(Coupling coupling, CouplingContext context, Tolerances tolerances) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor h = features(context, POSITIONS);
            Tensor x = uniform(context, TAIL);
            Transformed all = coupling.forward(x, h);
            Tensor back = coupling.inverse(all.value(), h);
            for (long t = 0; t < POSITIONS; t++) {
                Tensor ht = h.narrow(1, t, 1);
                Transformed one = coupling.forward(x.narrow(1, t, 1), ht);
                assertClose(all.value().narrow(1, t, 1), one.value(), tolerances.position(), "u at position " + t);
                Tensor scale = one.value()
                        .square()
                        .sum(new long[] {-1}, false, new ScalarTypeOptional())
                        .mul(new Scalar(0.5))
                        .add(one.logDet().abs())
                        .add(new Scalar(1.0));
                assertClose(
                        all.logDet().narrow(1, t, 1),
                        one.logDet(),
                        scale,
                        tolerances.position(),
                        "log-det at position " + t);
                Tensor inverse = coupling.inverse(all.value().narrow(1, t, 1), ht);
                assertClose(back.narrow(1, t, 1), inverse, tolerances.roundTrip(), "inverse at position " + t);
            }
        }
    }

    /**
     * Saved with {@code module().save} and loaded into {@code fresh} (a new coupling from the same case), the coupling
     * computes exactly what it computed before: {@code u}, the log-det and the inverse, on x and u uniform on
     * [−6, 6]. See {@link ModuleChecks#survivesSaveAndLoad}.
     */
    public static void survivesSaveAndLoad(Coupling original, Coupling fresh, CouplingContext context) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor h = features(context, POSITIONS);
            Tensor x = uniform(context, TAIL);
            Tensor u = uniform(context, TAIL);
            ModuleChecks.survivesSaveAndLoad(original.module(), fresh.module(), module -> {
                Coupling c = module == original.module() ? original : fresh;
                Transformed out = c.forward(x, h);
                return List.of(out.value(), out.logDet(), c.inverse(u, h));
            });
        }
    }

    /**
     * Name, version and description are well formed, and the API range in {@code requires()} parses and admits the
     * current API: see {@link ProviderChecks#describesItself}.
     */
    public static void describesItself(CouplingProvider provider) {
        ProviderChecks.describesItself(provider);
    }

    /**
     * The provider is found by {@link java.util.ServiceLoader} under its name, and its two declarations agree: the
     * {@code META-INF/services} entry written by AutoService and, in a named module, {@code provides … with …}. See
     * {@link ProviderChecks#declaredAsService}.
     */
    public static void declaredAsService(CouplingProvider provider) {
        ProviderChecks.declaredAsService(provider, CouplingProvider.class);
    }

    /** {@code −(log N(u; 0, I) + logdet)}, averaged over positions. */
    public static Tensor negativeLogLikelihood(Transformed out) {
        return Normal.logPdf(out.value()).sum(-1).add(out.logDet()).neg().mean();
    }

    /** Features {@code [BATCH, positions, D]} from {@code N(0, 1)} in float64: the harness plays the backbone. */
    public static Tensor features(CouplingContext context, long positions) {
        return torch.randn(new long[] {BATCH, positions, context.featureWidth()}, f64());
    }

    /** {@code [BATCH, POSITIONS, C]} uniform on [−bound, bound]; the first position is all −bound, the last all +bound. */
    public static Tensor uniform(CouplingContext context, double bound) {
        Tensor t = torch.rand(new long[] {BATCH, POSITIONS, context.channels()}, f64())
                .mul(new Scalar(2 * bound))
                .sub(new Scalar(bound));
        t.narrow(0, 0, 1).narrow(1, 0, 1).fill_(new Scalar(-bound));
        t.narrow(0, BATCH - 1, 1).narrow(1, POSITIONS - 1, 1).fill_(new Scalar(bound));
        return t;
    }

    private static void checkStructure(JacobianShape shape, Tensor blocks) {
        long c = blocks.size(1);
        switch (shape) {
            case DIAGONAL -> {
                double off = maxAbs(blocks.masked_select(torch.eye(c, f64()).eq(new Scalar(0.0))));
                assertEquals(0.0, off, 0.0, "jacobianShape() is DIAGONAL but an off-diagonal entry of ∂u/∂x is " + off);
            }
            case LOWER_TRIANGULAR -> {
                double upper = maxAbs(torch.triu(blocks, 1));
                assertEquals(
                        0.0,
                        upper,
                        0.0,
                        "jacobianShape() is LOWER_TRIANGULAR but an entry above the diagonal of ∂u/∂x is " + upper);
            }
            case DENSE -> {}
        }
    }

    private static void checkShapes(Transformed out, Tensor x) {
        assertEquals(shape(x), shape(out.value()), "u must have the shape of x");
        assertEquals(List.of(x.size(0), x.size(1)), shape(out.logDet()), "the log-det must be [B, T]");
        assertEquals(torch.ScalarType.Double, out.value().scalar_type().intern(), "u must have the dtype of x");
        assertEquals(
                torch.ScalarType.Double, out.logDet().scalar_type().intern(), "the log-det must have the dtype of x");
    }

    private static void assertConverged(Coupling coupling, String what) {
        long unconverged = coupling.lastInverse().unconverged();
        assertEquals(
                0,
                unconverged,
                () -> what + ": " + unconverged + " elements of the inverse did not converge (" + coupling.lastInverse()
                        + ")");
    }

    private static void assertFinite(Tensor t, String what) {
        long bad = torch.isfinite(t).logical_not().sum().item_long();
        assertEquals(
                0,
                bad,
                () -> bad + " entries of " + what + " are NaN or infinite for x in [−" + WIDE + ", " + WIDE + "]");
    }

    private static void assertClose(Tensor expected, Tensor actual, double tolerance, String what) {
        assertClose(expected, actual, expected.abs().add(new Scalar(1.0)), tolerance, what);
    }

    private static void assertClose(Tensor expected, Tensor actual, Tensor scale, double tolerance, String what) {
        double err = actual.sub(expected).abs().div(scale).max().item_double();
        assertTrue(
                err <= tolerance,
                () -> what + " differs between a call on all positions and a call on one by " + err + " (relative) > "
                        + tolerance);
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
