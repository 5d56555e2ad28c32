package org.tarflow4j.coupling.rosenblatt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tarflow4j.api.Codebook;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.testkit.Parameters;

/**
 * The lean path (chunks of positions without graph, the gradient from the transform's hand-written backward pass)
 * against the straightforward one ({@code lean = false}, one autograd graph over all positions) in float64: values of u
 * and the log-det, and the gradients of x, the features, the head, an own codebook or the tied one, agree to 1e-9
 * relative to the largest entry (at least 1). In float32 density math the lean path is as accurate as the
 * straightforward graph in float32: its distance to the float64 graph is at most twice the float32 graph's, plus
 * {@value #TOLERANCE_FLOAT32} (measured: 2e-6 against 2e-6 for the gradients, 1.2e-4 for the log-det far out). Ten positions in
 * chunks of three (the last chunk shorter), V = 7 (and V = 1, no weights), latents at the codebook's scale and 60 times
 * it (components 100 scales away, where log Φ and its slope come from the asymptotic series), and a tied codebook of
 * small scales (some components that far, others near: the lean path's tails skip the negligible far ones).
 */
class LeanPathTest {
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);
    private static final long SEED = 90210L;
    private static final int FEATURES = 6;
    private static final int VOCAB = 7;
    private static final double TOLERANCE = 1e-9;
    private static final double TOLERANCE_FLOAT32 = 1e-6;
    private static final long CHUNK = 3;

    private static Coupling create(Map<String, Object> options, CouplingContext context) {
        Options table = Options.of("couplings.rosenblatt", "test", options);
        Coupling c = new RosenblattCouplingProvider().create(table, context);
        table.requireAllRead();
        c.module().to(torch.ScalarType.Double, false);
        return c;
    }

    /** {@code chunk_megabytes} that gives {@code positions} positions a chunk. */
    static double megabytesFor(long positions, int patch, int d, int vocab, int bytes) {
        long perPosition = RosenblattCoupling.bytesPerPosition(patch, d, vocab, bytes);
        return (positions * perPosition + perPosition / 2) / (double) (1 << 20);
    }

    private record Codebook2(Tensor means, Tensor logScales) implements Codebook {}

    @ParameterizedTest(name = "d={0}, patch {1}, tied {2}, V={3}, latents ×{4}, tied scales {6}, {5}")
    @CsvSource({
        "5, 1, false, 7, 1.5, float64, 0.6",
        "5, 2, true, 7, 1.5, float64, 0.6",
        "16, 1, true, 7, 1.5, float64, 0.6",
        "16, 2, false, 7, 1.5, float64, 0.6",
        "3, 2, false, 1, 1.5, float64, 0.6",
        "5, 1, true, 7, 60, float64, 0.6",
        "5, 1, true, 7, 1.5, float64, 0.02",
        "5, 2, true, 7, 1.5, float32, 0.6",
        "5, 2, true, 7, 1.5, float32, 0.05",
        "5, 1, false, 7, 60, float32, 0.6"
    })
    void leanMatchesTheStraightforwardGraph(
            int d, int patch, boolean tied, int vocab, double scale, String dtype, double tiedScale) {
        torch.manual_seed(SEED);
        Codebook2 codebook = tied
                ? new Codebook2(
                        torch.randn(new long[] {vocab, d}, F64).requires_grad_(true),
                        torch.full(new long[] {vocab}, new Scalar(Math.log(tiedScale)), F64)
                                .requires_grad_(true))
                : null;
        CouplingContext context = new CouplingContext(patch * d, d, FEATURES, vocab, Optional.ofNullable(codebook));
        Map<String, Object> options = new LinkedHashMap<>();
        if (tied) options.put("tie_to_encoder", true);
        boolean single = dtype.equals("float32");
        Coupling reference = create(withLean(options, false, 0), context);
        options.put("density_dtype", dtype);
        Coupling straightforward = create(withLean(options, false, 0), context);
        Coupling lean = create(withLean(options, true, megabytesFor(CHUNK, patch, d, vocab, single ? 4 : 8)), context);
        assertEquals(CHUNK, ((RosenblattCoupling) lean).positionsPerChunk(), "chunk size of the lean coupling");
        try (PointerScope s = new PointerScope()) {
            Parameters.fillNormal(reference, 0.4);
            copyParameters(reference, lean);
            copyParameters(reference, straightforward);
            Tensor x = torch.randn(new long[] {2, 5, patch * d}, F64).mul(new Scalar(scale));
            Tensor h = torch.randn(new long[] {2, 5, FEATURES}, F64);
            Tensor wu = torch.randn(new long[] {2, 5, patch * d}, F64);
            Tensor wl = torch.randn(new long[] {2, 5}, F64);

            Map<String, Tensor> expected = run(reference, x, h, wu, wl, codebook);
            Map<String, Tensor> actual = run(lean, x, h, wu, wl, codebook);
            Map<String, Tensor> graph = single ? run(straightforward, x, h, wu, wl, codebook) : expected;
            assertEquals(expected.keySet(), actual.keySet());
            for (String name : expected.keySet()) {
                Tensor e = expected.get(name);
                assertTrue(
                        Double.isFinite(e.abs().max().item_double()), name + " of the straightforward graph is finite");
                double largest = Math.max(1.0, e.abs().max().item_double());
                double err = actual.get(name).sub(e).abs().max().item_double() / largest;
                double graphErr = graph.get(name).sub(e).abs().max().item_double() / largest;
                double tolerance = single ? 2 * graphErr + TOLERANCE_FLOAT32 : TOLERANCE;
                assertTrue(
                        err <= tolerance,
                        name + ": lean differs from the float64 graph by " + err + " (relative to max(1, |" + name
                                + "|) = " + largest + "; the straightforward graph in " + dtype + " by " + graphErr
                                + "; tolerance " + tolerance + ", seed " + SEED + ")");
            }
        }
    }

    /** The inverse over chunks gives the inverse over all positions (1e-12) and counts every element once. */
    @ParameterizedTest(name = "d={0}, patch {1}")
    @CsvSource({"5, 1", "16, 2"})
    void leanInverseMatches(int d, int patch) {
        torch.manual_seed(SEED);
        CouplingContext context = new CouplingContext(patch * d, d, FEATURES, VOCAB, Optional.empty());
        Coupling reference = create(withLean(new LinkedHashMap<>(), false, 0), context);
        Coupling lean = create(withLean(new LinkedHashMap<>(), true, megabytesFor(CHUNK, patch, d, VOCAB, 8)), context);
        try (PointerScope s = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            Parameters.fillNormal(reference, 0.4);
            copyParameters(reference, lean);
            Tensor u = torch.randn(new long[] {2, 5, patch * d}, F64).mul(new Scalar(2.0));
            Tensor h = torch.randn(new long[] {2, 5, FEATURES}, F64);
            Tensor expected = reference.inverse(u, h);
            Tensor actual = lean.inverse(u, h);
            double err = actual.sub(expected).abs().max().item_double();
            assertTrue(err <= 1e-12, "inverse over chunks differs by " + err + " (tolerance 1e-12)");
            assertEquals(reference.lastInverse().elements(), lean.lastInverse().elements());
            assertEquals(0, lean.lastInverse().unconverged(), lean.lastInverse().toString());
        }
    }

    private static Map<String, Object> withLean(Map<String, Object> options, boolean lean, double megabytes) {
        Map<String, Object> out = new LinkedHashMap<>(options);
        out.put("lean", lean);
        if (lean) out.put("chunk_megabytes", megabytes);
        return out;
    }

    private static void copyParameters(Coupling from, Coupling to) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Map<String, Tensor> target = Parameters.named(to);
            Parameters.named(from).forEach((name, p) -> target.get(name).copy_(p));
        }
    }

    /** Values and the gradients of {@code Σ wu·u + Σ wl·logdet} with respect to every input and parameter. */
    private static Map<String, Tensor> run(Coupling c, Tensor x0, Tensor h0, Tensor wu, Tensor wl, Codebook2 tied) {
        c.module().zero_grad(true);
        if (tied != null) {
            clearGrad(tied.means());
            clearGrad(tied.logScales());
        }
        Tensor x = x0.clone().requires_grad_(true);
        Tensor h = h0.clone().requires_grad_(true);
        Transformed out = c.forward(x, h);
        out.value().mul(wu).sum().add(out.logDet().mul(wl).sum()).backward();
        Map<String, Tensor> all = new LinkedHashMap<>();
        all.put("u", out.value().detach());
        all.put("log-det", out.logDet().detach());
        all.put("∂/∂x", x.grad().clone());
        if (h.grad().defined()) all.put("∂/∂features", h.grad().clone()); // none with one component: no weights
        Parameters.named(c).forEach((name, p) -> all.put("∂/∂" + name, p.grad().clone()));
        if (tied != null) {
            all.put("∂/∂tied means", tied.means().grad().clone());
            all.put("∂/∂tied log-scales", tied.logScales().grad().clone());
        }
        return all;
    }

    private static void clearGrad(Tensor t) {
        if (t.grad().defined()) t.grad().zero_();
    }
}
