package org.tarflow4j.api.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The chunked recomputation gives the values and gradients of the plain graph: a row-wise function of two row inputs
 * and two shared ones, with a loop like the Rosenblatt transform's (a state carried across steps, logsumexp over
 * components), compared in float64 to 1e-12.
 */
class RecomputedRowsTest {
    private static final long SEED = 4242L;
    private static final double TOLERANCE = 1e-12;

    /** {@code x [r, 3]}, {@code logits [r, 5]}, {@code means [5, 3]}, {@code logScales [5]} → {@code [r, 3]} and {@code [r, 1]}. */
    private static List<Tensor> function(List<Tensor> rows, List<Tensor> shared) {
        Tensor x = rows.get(0);
        Tensor state = torch.log_softmax(rows.get(1), -1);
        Tensor means = shared.get(0);
        Tensor logScales = shared.get(1);
        TensorVector outs = new TensorVector();
        Tensor total = null;
        for (int i = 0; i < 3; i++) {
            Tensor z = x.select(1, i)
                    .unsqueeze(1)
                    .sub(means.select(1, i))
                    .mul(logScales.neg().exp());
            Tensor logN = z.square().mul(new Scalar(-0.5)).sub(logScales);
            Tensor joint = state.add(logN);
            Tensor lse = torch.logsumexp(joint, new long[] {1}, false);
            outs.push_back(lse.tanh());
            total = total == null ? lse : total.add(lse);
            state = joint.sub(lse.unsqueeze(1));
        }
        return List.of(torch.stack(outs, 1), total.unsqueeze(1));
    }

    private record Inputs(Tensor x, Tensor logits, Tensor means, Tensor logScales) {
        List<Tensor> rows() {
            return List.of(x, logits);
        }

        List<Tensor> shared() {
            return List.of(means, logScales);
        }

        List<Tensor> all() {
            return List.of(x, logits, means, logScales);
        }
    }

    private static Inputs inputs(long n) {
        TensorOptions f64 = new TensorOptions(torch.ScalarType.Double);
        return new Inputs(
                torch.randn(new long[] {n, 3}, f64).requires_grad_(true),
                torch.randn(new long[] {n, 5}, f64).requires_grad_(true),
                torch.randn(new long[] {5, 3}, f64).requires_grad_(true),
                torch.randn(new long[] {5}, f64).mul(new Scalar(0.3)).requires_grad_(true));
    }

    /** {@code Σ w1·out1 + Σ w2·out2} with fixed random weights: every output element gets its own gradient. */
    private static Tensor loss(List<Tensor> out, Tensor w1, Tensor w2) {
        return out.get(0).mul(w1).sum().add(out.get(1).mul(w2).sum());
    }

    private static List<Tensor> grads(Tensor loss, List<Tensor> inputs, boolean retain) {
        TensorVector g = torch.grad(
                new TensorVector(loss),
                new TensorVector(inputs.toArray(new Tensor[0])),
                new TensorVector(),
                new BoolOptional(retain),
                false,
                false);
        List<Tensor> out = new java.util.ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) out.add(g.get(i));
        return out;
    }

    private static double maxDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_double();
    }

    @Test
    void valuesAndGradientsMatchThePlainGraph() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Inputs in = inputs(11);
            Tensor w1 = torch.randn(new long[] {11, 3}, new TensorOptions(torch.ScalarType.Double));
            Tensor w2 = torch.randn(new long[] {11, 1}, new TensorOptions(torch.ScalarType.Double));
            List<Tensor> plain = function(in.rows(), in.shared());
            List<Tensor> chunked = RecomputedRows.apply(RecomputedRowsTest::function, in.rows(), in.shared(), 3);
            for (int j = 0; j < 2; j++) {
                double err = maxDiff(plain.get(j), chunked.get(j));
                assertTrue(err <= TOLERANCE, "output " + j + " differs by " + err + " (tolerance 1e-12)");
            }
            List<Tensor> expected = grads(loss(plain, w1, w2), in.all(), false);
            Tensor chunkedLoss = loss(chunked, w1, w2);
            // twice over the same graph: the second pass records its own output gradient and recomputes
            for (int pass = 0; pass < 2; pass++) {
                List<Tensor> actual = grads(chunkedLoss.mul(new Scalar(pass + 1.0)), in.all(), pass == 0);
                for (int j = 0; j < 4; j++) {
                    double err = maxDiff(expected.get(j).mul(new Scalar(pass + 1.0)), actual.get(j));
                    assertTrue(
                            err <= TOLERANCE,
                            "pass " + pass + ": gradient of input " + j + " differs by " + err + " (tolerance 1e-12)");
                }
            }
        }
    }

    /** {@code x·m [r, 3]} and {@code logsumexp(logits + s) [r, 1]}, with its vector-Jacobian product by hand below. */
    private static List<Tensor> simple(List<Tensor> rows, List<Tensor> shared) {
        Tensor lse = torch.logsumexp(rows.get(1).add(shared.get(1)), new long[] {1}, true);
        return List.of(rows.get(0).mul(shared.get(0)), lse);
    }

    /** Reads the log-sum-exp back from the outputs, as a saved value. */
    private static List<Tensor> simpleGradient(
            List<Tensor> rows, List<Tensor> shared, List<Tensor> outputs, List<Tensor> gradients) {
        Tensor g0 = gradients.get(0);
        Tensor softmax = rows.get(1).add(shared.get(1)).sub(outputs.get(1)).exp();
        Tensor gLogits = softmax.mul(gradients.get(1));
        return List.of(g0.mul(shared.get(0)), gLogits, g0.mul(rows.get(0)).sum(0), gLogits.sum(0));
    }

    /**
     * A hand-written backward pass replaces the recomputation: it is called once per chunk (also when one chunk holds
     * every row), gets that chunk's rows, outputs and output gradients, and its gradients reach every input as the
     * plain graph's do (1e-12).
     */
    @Test
    void handWrittenGradientsReplaceTheRecomputation() {
        for (long perChunk : new long[] {3, 20}) {
            try (PointerScope s = new PointerScope()) {
                torch.manual_seed(SEED);
                Inputs in = inputs(11);
                Tensor m = in.means().select(1, 0).narrow(0, 0, 3).detach().requires_grad_(true);
                List<Tensor> rows = in.rows();
                List<Tensor> shared = List.of(m, in.logScales());
                List<Tensor> all = List.of(in.x(), in.logits(), m, in.logScales());
                TensorOptions f64 = new TensorOptions(torch.ScalarType.Double);
                Tensor w1 = torch.randn(new long[] {11, 3}, f64);
                Tensor w2 = torch.randn(new long[] {11, 1}, f64);
                int[] calls = {0};
                RecomputedRows.RowGradient counted = (r, sh, o, g) -> {
                    calls[0]++;
                    return simpleGradient(r, sh, o, g);
                };
                List<Tensor> expected = grads(loss(simple(rows, shared), w1, w2), all, false);
                List<Tensor> actual = grads(
                        loss(RecomputedRows.apply(RecomputedRowsTest::simple, counted, rows, shared, perChunk), w1, w2),
                        all,
                        false);
                assertEquals((11 + perChunk - 1) / perChunk, calls[0], "one call per chunk of " + perChunk);
                for (int j = 0; j < 4; j++) {
                    double err = maxDiff(expected.get(j), actual.get(j));
                    assertTrue(
                            err <= TOLERANCE, "gradient of input " + j + " differs by " + err + " (tolerance 1e-12)");
                }
            }
        }
    }

    /** Gradients asked for one input only, and through one output only, are still that input's. */
    @Test
    void partialBackwardPasses() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Inputs in = inputs(7);
            List<Tensor> plain = function(in.rows(), in.shared());
            List<Tensor> chunked = RecomputedRows.apply(RecomputedRowsTest::function, in.rows(), in.shared(), 2);
            Tensor expected =
                    grads(plain.get(1).sum(), List.of(in.means()), false).get(0);
            Tensor actual =
                    grads(chunked.get(1).sum(), List.of(in.means()), false).get(0);
            assertTrue(maxDiff(expected, actual) <= TOLERANCE, "∂Σ out2/∂means " + maxDiff(expected, actual));
        }
    }

    /** {@code backward()} accumulates into leaves as with the plain graph, and inputs that need no gradient get none. */
    @Test
    void backwardAccumulatesIntoLeaves() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Inputs in = inputs(9);
            in.logits().requires_grad_(false);
            List<Tensor> plain = function(in.rows(), in.shared());
            plain.get(0).sum().add(plain.get(1).sum()).backward();
            Tensor gx = in.x().grad().clone();
            Tensor gm = in.means().grad().clone();
            in.x().grad().zero_();
            in.means().grad().zero_();
            List<Tensor> chunked = RecomputedRows.apply(RecomputedRowsTest::function, in.rows(), in.shared(), 4);
            chunked.get(0).sum().add(chunked.get(1).sum()).backward();
            assertTrue(
                    maxDiff(gx, in.x().grad()) <= TOLERANCE,
                    "∂/∂x " + maxDiff(gx, in.x().grad()));
            assertTrue(
                    maxDiff(gm, in.means().grad()) <= TOLERANCE,
                    "∂/∂means " + maxDiff(gm, in.means().grad()));
            assertFalse(in.logits().grad().defined(), "an input that needs no gradient gets none");
        }
    }

    /** An infinite or NaN input row reaches neither the other rows' values nor their gradients. */
    @Test
    void aNonFiniteRowStaysInItsRow() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Inputs in = inputs(6);
            try (NoGradGuard ignored = new NoGradGuard()) {
                in.logits().narrow(0, 0, 1).fill_(new Scalar(Double.NEGATIVE_INFINITY));
            }
            List<Tensor> chunked = RecomputedRows.apply(RecomputedRowsTest::function, in.rows(), in.shared(), 2);
            Tensor rest = chunked.get(0).narrow(0, 1, 5);
            assertEquals(
                    0, torch.isfinite(rest).logical_not().sum().item_long(), "rows 1..5 of the outputs stay finite");
            chunked.get(0).narrow(0, 1, 5).sum().backward();
            assertEquals(
                    0,
                    torch.isfinite(in.x().grad().narrow(0, 1, 5))
                            .logical_not()
                            .sum()
                            .item_long(),
                    "rows 1..5 of ∂/∂x stay finite");
        }
    }

    /** Without graph the chunks give the same values, and with one chunk the function runs as it is. */
    @Test
    void withoutGradientAndInOneChunk() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(SEED);
            Inputs in = inputs(10);
            List<Tensor> plain = function(in.rows(), in.shared());
            try (NoGradGuard ignored = new NoGradGuard()) {
                List<Tensor> chunked = RecomputedRows.apply(RecomputedRowsTest::function, in.rows(), in.shared(), 3);
                assertTrue(maxDiff(plain.get(0), chunked.get(0)) <= TOLERANCE);
                assertFalse(chunked.get(0).requires_grad(), "no graph without gradient mode");
            }
            List<Tensor> whole = RecomputedRows.apply(RecomputedRowsTest::function, in.rows(), in.shared(), 10);
            assertTrue(maxDiff(plain.get(1), whole.get(1)) <= TOLERANCE);
            Tensor sum = whole.get(1).sum(new long[] {0}, false, new ScalarTypeOptional());
            assertTrue(sum.requires_grad(), "one chunk keeps the plain graph");
        }
    }
}
