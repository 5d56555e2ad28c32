package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;

/**
 * The conformance checks for backbones, one method each, for use by {@link BackboneHarness} or on their own. Every
 * check draws its inputs from libtorch's default generator (seed it, e.g. with {@link Seed#run}), on tensors
 * {@code [BATCH, T, C]} with {@code T = min(positions, MAX_POSITIONS)}, and fails with an {@link AssertionError} that
 * states the measured value and the tolerance. Call them inside a {@code PointerScope}; each says which dtype it expects
 * the backbone in.
 */
public final class BackboneChecks {
    /**
     * Features at positions up to t may move by at most this much (relative to {@code 1 + max|features|}) when the
     * inputs at t and later change: float64 rounding, nothing more.
     */
    public static final double CAUSALITY_TOLERANCE = 1e-12;
    /** A feature that reads a changed input must move by more than this (relative, as above). */
    public static final double USES_INPUT_THRESHOLD = 1e-6;
    /** Largest difference (relative to {@code 1 + max|features|}) between stepping with the cache and the full pass, float64. */
    public static final double STEPPER_TOLERANCE = 1e-10;
    /**
     * Largest difference between bf16 autocast and float32, relative to {@code max(1, rms(features))}: bf16 keeps 8
     * mantissa bits, and unit-scale features of a small model stay well within this.
     */
    public static final double BF16_TOLERANCE = 0.1;
    /** Forward passes and gradients must stay finite for inputs uniform on {@code [−WIDE, WIDE]}. */
    public static final double WIDE = 50;

    public static final long BATCH = 2;
    /** The checks use at most this many positions. */
    public static final long MAX_POSITIONS = 8;

    private BackboneChecks() {}

    /**
     * Features at position t depend on {@code x[:, <t]} only: for every position p, changing the input at p (by a
     * standard normal draw) leaves the features at positions {@code ≤ p} unchanged to {@value #CAUSALITY_TOLERANCE};
     * and it moves the features at some later position by more than {@value #USES_INPUT_THRESHOLD} (a backbone must
     * read its input). In float64, in evaluation mode.
     */
    public static void causal(Backbone backbone, BackboneContext context) {
        long t = positions(context);
        backbone.module().eval();
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor x = normal(context, BATCH, t);
            Tensor base = backbone.forward(x);
            assertFeatures(backbone, base, BATCH, t, torch.ScalarType.Double);
            double scale = 1 + maxAbs(base);
            for (long p = 0; p < t; p++) {
                Tensor y = x.clone();
                y.narrow(1, p, 1).add_(torch.randn(new long[] {BATCH, 1, context.channels()}, f64()));
                Tensor diff = backbone.forward(y).sub(base).abs();
                double before = diff.narrow(1, 0, p + 1).max().item_double() / scale;
                long position = p;
                assertTrue(
                        before <= CAUSALITY_TOLERANCE,
                        () -> "changing the input at position " + position + " moved the features at positions ≤ "
                                + position + " by " + before + " (relative) > " + CAUSALITY_TOLERANCE
                                + ": features at t must depend on x[:, <t] only");
                if (p + 1 < t) {
                    double after = diff.narrow(1, p + 1, t - p - 1).max().item_double() / scale;
                    assertTrue(
                            after > USES_INPUT_THRESHOLD,
                            () -> "changing the input at position " + position
                                    + " moved no later features (largest change " + after + " ≤ "
                                    + USES_INPUT_THRESHOLD + "): the features must depend on the earlier inputs");
                }
            }
        }
    }

    /**
     * Stepping with {@link Backbone#stepper} gives the full pass's features at every position, to
     * {@value #STEPPER_TOLERANCE}, each step in its own pointer scope as sampling runs it, and {@code position()}
     * counts the accepted positions; a second stepper, for another batch size, after the first is closed, does the same.
     * In float64, in evaluation mode, without gradients.
     */
    public static void stepperMatchesForward(Backbone backbone, BackboneContext context) {
        backbone.module().eval();
        long t = positions(context);
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (long batch : new long[] {BATCH, 1}) {
                Tensor x = normal(context, batch, t);
                Tensor expected = backbone.forward(x);
                double scale = 1 + maxAbs(expected);
                try (Backbone.Stepper stepper = backbone.stepper(batch)) {
                    for (long p = 0; p < t; p++) {
                        try (PointerScope step = new PointerScope()) {
                            Tensor features = stepper.next();
                            assertEquals(
                                    List.of(batch, 1L, (long) backbone.featureWidth()),
                                    shape(features),
                                    "stepper.next() must give [B, 1, D]");
                            double err =
                                    maxAbs(features.to(torch.ScalarType.Double).sub(expected.narrow(1, p, 1))) / scale;
                            long position = p;
                            assertTrue(
                                    err <= STEPPER_TOLERANCE,
                                    () -> "batch " + batch + ", position " + position
                                            + ": the stepper's features differ from the full pass by " + err
                                            + " (relative) > " + STEPPER_TOLERANCE);
                            stepper.accept(x.narrow(1, p, 1));
                        }
                        assertEquals(p + 1, stepper.position(), "stepper.position() after accepting " + (p + 1));
                    }
                }
            }
        }
    }

    /**
     * Every parameter tensor gets a gradient with at least one non-zero entry, and all of it finite, from a loss on
     * the features ({@code Σ features · r}, r standard normal), in training mode; the input's gradient is finite too.
     */
    public static void everyParameterLearns(Backbone backbone, BackboneContext context) {
        backbone.module().train(true);
        backbone.module().zero_grad(true);
        var params = Parameters.named(backbone.module());
        assertTrue(!params.isEmpty(), "the backbone has no parameters");
        Tensor x =
                normal(context, BATCH, positions(context)).to(dtype(backbone)).requires_grad_(true);
        Tensor features = backbone.forward(x);
        features.mul(torch.randn_like(features)).sum().backward();
        if (x.grad().defined()) assertFinite(x.grad(), "∂loss/∂x");
        List<String> silent = new ArrayList<>();
        params.forEach((name, param) -> {
            Tensor g = param.grad();
            if (!g.defined() || maxAbs(g) == 0.0) silent.add(name);
            else assertFinite(g, "∂loss/∂" + name);
        });
        assertTrue(silent.isEmpty(), () -> "no gradient from a loss on the features reaches " + silent);
    }

    /**
     * Under CPU bf16 autocast (as {@code train.bf16} runs backbones) the full pass, the stepper and a backward pass
     * give finite values, and the features stay within {@value #BF16_TOLERANCE} (relative to
     * {@code max(1, rms(features))}) of the float32 pass. Expects the backbone in float32; inputs are float64 latents, as
     * in the model.
     */
    public static void runsUnderBf16Autocast(Backbone backbone, BackboneContext context) {
        long t = positions(context);
        Tensor x = normal(context, BATCH, t);
        backbone.module().eval();
        Tensor reference;
        Tensor autocast;
        Tensor stepped;
        try (NoGradGuard ignored = new NoGradGuard()) {
            reference = backbone.forward(x).to(torch.ScalarType.Float);
            autocast = withBf16(() -> backbone.forward(x).to(torch.ScalarType.Float));
            stepped = withBf16(() -> step(backbone, x).to(torch.ScalarType.Float));
        }
        assertFinite(autocast, "the features under bf16 autocast");
        assertFinite(stepped, "the stepper's features under bf16 autocast");
        double scale = Math.max(1, reference.square().mean().sqrt().item_double());
        double err = maxAbs(autocast.sub(reference)) / scale;
        assertTrue(
                err <= BF16_TOLERANCE,
                () -> "bf16 autocast features differ from float32 by " + err + " (relative) > " + BF16_TOLERANCE);
        double stepErr = maxAbs(stepped.sub(reference)) / scale;
        assertTrue(
                stepErr <= BF16_TOLERANCE,
                () -> "bf16 autocast stepper features differ from float32 by " + stepErr + " (relative) > "
                        + BF16_TOLERANCE);
        backbone.module().train(true);
        backbone.module().zero_grad(true);
        Tensor features = withBf16(() -> backbone.forward(x).to(torch.ScalarType.Float));
        features.mul(torch.randn_like(features)).sum().backward();
        Parameters.named(backbone.module()).forEach((name, param) -> {
            if (param.grad().defined()) assertFinite(param.grad(), "∂loss/∂" + name + " under bf16 autocast");
        });
    }

    /** No NaN or Inf in the features or in the gradients of a loss on them, for inputs uniform on [−50, 50]. */
    public static void finiteOnWideInputs(Backbone backbone, BackboneContext context) {
        backbone.module().train(true);
        backbone.module().zero_grad(true);
        long t = positions(context);
        Tensor x = torch.rand(new long[] {BATCH, t, context.channels()}, f64())
                .mul(new Scalar(2 * WIDE))
                .sub(new Scalar(WIDE));
        x.narrow(0, 0, 1).fill_(new Scalar(WIDE));
        x = x.to(dtype(backbone)).requires_grad_(true);
        Tensor features = backbone.forward(x);
        assertFinite(features, "the features for inputs in [−" + WIDE + ", " + WIDE + "]");
        features.mul(torch.randn_like(features)).sum().backward();
        if (x.grad().defined()) assertFinite(x.grad(), "∂loss/∂x for inputs in [−" + WIDE + ", " + WIDE + "]");
        Parameters.named(backbone.module()).forEach((name, param) -> {
            if (param.grad().defined())
                assertFinite(param.grad(), "∂loss/∂" + name + " for inputs in [−" + WIDE + ", " + WIDE + "]");
        });
    }

    /**
     * Saved with {@code module().save} and loaded into {@code fresh} (a new backbone from the same case), the backbone
     * computes exactly the features it computed before, in evaluation mode. See
     * {@link ModuleChecks#survivesSaveAndLoad}.
     */
    public static void survivesSaveAndLoad(Backbone original, Backbone fresh, BackboneContext context) {
        original.module().eval();
        fresh.module().eval();
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor x = normal(context, BATCH, positions(context));
            Function<org.bytedeco.pytorch.Module, List<Tensor>> outputs =
                    module -> List.of((module == original.module() ? original : fresh).forward(x));
            ModuleChecks.survivesSaveAndLoad(original.module(), fresh.module(), outputs);
        }
    }

    /** The positions the checks use: {@code min(context.positions(), MAX_POSITIONS)}. */
    public static long positions(BackboneContext context) {
        return Math.min(context.positions(), MAX_POSITIONS);
    }

    private static void assertFeatures(Backbone backbone, Tensor features, long batch, long t, torch.ScalarType dtype) {
        assertEquals(
                List.of(batch, t, (long) backbone.featureWidth()),
                shape(features),
                "features must be [B, T, featureWidth()]");
        assertEquals(dtype, features.scalar_type().intern(), "features must be in the backbone's own dtype");
    }

    private static Tensor step(Backbone backbone, Tensor x) {
        TensorVector features = new TensorVector();
        try (Backbone.Stepper stepper = backbone.stepper(x.size(0))) {
            for (long p = 0; p < x.size(1); p++) {
                features.push_back(stepper.next());
                stepper.accept(x.narrow(1, p, 1));
            }
        }
        return torch.cat(features, 1);
    }

    /**
     * Runs {@code body} under CPU bf16 autocast and restores the previous autocast state, clearing autocast's cache of
     * bf16 weight copies as the host does after each region (a kept cache hands later regions weights from before an
     * update).
     */
    private static Tensor withBf16(java.util.function.Supplier<Tensor> body) {
        boolean wasEnabled = torch.is_autocast_enabled(torch.DeviceType.CPU);
        torch.ScalarType wasDtype = torch.get_autocast_dtype(torch.DeviceType.CPU);
        torch.set_autocast_dtype(torch.DeviceType.CPU, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(torch.DeviceType.CPU, true);
        try {
            return body.get();
        } finally {
            torch.set_autocast_enabled(torch.DeviceType.CPU, wasEnabled);
            torch.set_autocast_dtype(torch.DeviceType.CPU, wasDtype);
            if (!wasEnabled) torch.clear_cache();
        }
    }

    private static Tensor normal(BackboneContext context, long batch, long t) {
        return torch.randn(new long[] {batch, t, context.channels()}, f64());
    }

    private static torch.ScalarType dtype(Backbone backbone) {
        return Parameters.named(backbone.module()).values().stream()
                .findFirst()
                .map(p -> p.scalar_type().intern())
                .orElse(torch.ScalarType.Float);
    }

    private static void assertFinite(Tensor t, String what) {
        long bad = torch.isfinite(t).logical_not().sum().item_long();
        assertEquals(0, bad, () -> bad + " entries of " + what + " are NaN or infinite");
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
}
