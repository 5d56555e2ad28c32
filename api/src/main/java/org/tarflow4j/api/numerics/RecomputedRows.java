package org.tarflow4j.api.numerics;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AutoGradMode;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorTensorHook;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.VoidTensorHook;
import org.bytedeco.pytorch.global.torch;

/**
 * Runs a row-wise function over chunks of rows without keeping its autograd graph, and recomputes each chunk, with
 * the graph, inside the backward pass: working memory is one chunk's graph plus the inputs and outputs, however many
 * rows there are. This is gradient checkpointing, built from what the JVM bindings offer: there is no custom
 * {@code autograd.Function} from Java, but tensor hooks ({@code register_hook}) run Java code inside the backward pass,
 * may replace the gradient they see, and may call {@code torch.grad} with explicit output gradients (all verified with
 * libtorch 2.10 through the Bytedeco presets).
 *
 * <p>How the gradient reaches the inputs: each input that needs a gradient gets an identity view, a <em>carrier</em>.
 * The outputs are the values computed without graph, packed into one tensor {@code [rows, Σ widths]}, plus a term that
 * is exactly zero but depends on every carrier ({@code where(false, Σ carrier sums, 0)}, so no input value, not even
 * an infinite one, reaches the result). In the backward pass a hook on the packed outputs records their gradient;
 * the carriers' gradients arrive after it (they lie upstream), and the first carrier hook to fire recomputes the
 * function chunk by chunk on detached leaves with the graph on, calls {@code torch.grad} with the recorded output
 * gradient, and each carrier hook replaces the zero it was given with its input's vector-Jacobian product. A later
 * backward pass over the same graph ({@code retain_graph}) records a new output gradient and recomputes.
 *
 * <p>A function with a hand-written backward pass ({@link RowGradient}) skips the recomputation with graph: its
 * gradient function gets each chunk's inputs, the outputs computed without graph (so an output can carry values saved for
 * the backward pass, as {@code save_for_backward} does) and their gradient, and returns the inputs' gradients. It is then
 * used even when one chunk holds every row.
 *
 * <p>The result is exactly the straightforward graph's gradient up to summation order (gradients of shared inputs are
 * summed over chunks). Higher-order gradients ({@code create_graph}) do not flow through the recomputation. The hooks
 * and the handles they keep belong to the pointer scope that is open at the call, so the backward pass must run
 * before that scope closes (a training step does both inside its scope); with no pointer scope open, or when one
 * chunk holds every row, the function simply runs once with its full graph.
 */
public final class RecomputedRows {
    private RecomputedRows() {}

    /**
     * A row-wise function: row {@code r} of every output depends only on row {@code r} of the row inputs and on the
     * shared inputs. Outputs are {@code [rows, width]}, all of one dtype.
     */
    @FunctionalInterface
    public interface RowFunction {
        List<Tensor> apply(List<Tensor> rows, List<Tensor> shared);
    }

    /**
     * The vector-Jacobian product of a {@link RowFunction}, written by hand, for one chunk of rows. Called without
     * gradient tracking.
     */
    @FunctionalInterface
    public interface RowGradient {
        /**
         * @param rows            the chunk's row inputs
         * @param shared          the shared inputs
         * @param outputs         the function's outputs for the chunk, as computed without graph
         * @param outputGradients the gradients of those outputs, in their dtype
         * @return the gradients of the row inputs, then of the shared inputs, in their dtypes; {@code null} for an input
         *     that needs none
         */
        List<Tensor> apply(List<Tensor> rows, List<Tensor> shared, List<Tensor> outputs, List<Tensor> outputGradients);
    }

    /**
     * {@code f(rows, shared)} over chunks of at most {@code rowsPerChunk} rows.
     *
     * @param rows   tensors whose first dimension is the row, all of the same length
     * @param shared tensors every row reads in full (parameters)
     * @return the outputs of {@code f} for all rows, differentiable in every input that requires a gradient
     */
    public static List<Tensor> apply(RowFunction f, List<Tensor> rows, List<Tensor> shared, long rowsPerChunk) {
        return apply(f, null, rows, shared, rowsPerChunk);
    }

    /**
     * {@link #apply(RowFunction, List, List, long)} with a hand-written backward pass: the backward pass calls
     * {@code gradient} chunk by chunk instead of recomputing {@code f} with its graph.
     *
     * @param gradient {@code f}'s vector-Jacobian product, or {@code null} to recompute {@code f} with its graph
     */
    public static List<Tensor> apply(
            RowFunction f, RowGradient gradient, List<Tensor> rows, List<Tensor> shared, long rowsPerChunk) {
        if (rows.isEmpty()) throw new IllegalArgumentException("at least one row input is needed");
        if (rowsPerChunk < 1) throw new IllegalArgumentException("rowsPerChunk must be positive, is " + rowsPerChunk);
        long n = rows.get(0).size(0);
        for (Tensor t : rows)
            if (t.size(0) != n)
                throw new IllegalArgumentException("row inputs differ in length: " + t.size(0) + " and " + n);
        boolean track = GradMode.is_enabled() && (anyRequiresGrad(rows) || anyRequiresGrad(shared));
        if (track && PointerScope.getInnerScope() == null) return f.apply(rows, shared);
        if (n <= rowsPerChunk && !(track && gradient != null)) return f.apply(rows, shared);
        Tensor packed;
        long[] widths;
        try (NoGradGuard ignored = new NoGradGuard()) {
            Values values = values(f, rows, shared, rowsPerChunk);
            packed = values.packed;
            widths = values.widths;
        }
        if (track) packed = new Pending(f, gradient, rows, shared, rowsPerChunk, packed, widths).attach(rows, shared);
        List<Tensor> out = new ArrayList<>();
        long offset = 0;
        for (long w : widths) {
            out.add(packed.narrow(1, offset, w));
            offset += w;
        }
        return out;
    }

    private record Values(Tensor packed, long[] widths) {}

    /** The outputs chunk by chunk, without graph, each chunk's temporaries freed with its scope. */
    private static Values values(RowFunction f, List<Tensor> rows, List<Tensor> shared, long rowsPerChunk) {
        long n = rows.get(0).size(0);
        PointerScope outer = PointerScope.getInnerScope();
        Tensor packed = null;
        long[] widths = null;
        for (long start = 0; start < n; start += rowsPerChunk) {
            long r = Math.min(rowsPerChunk, n - start);
            try (PointerScope ignored = new PointerScope()) {
                List<Tensor> out = f.apply(narrow(rows, start, r), shared);
                if (packed == null) {
                    widths = widths(out);
                    long total = 0;
                    for (long w : widths) total += w;
                    packed = out.get(0).new_empty(new long[] {n, total});
                    outlive(outer, packed);
                }
                long offset = 0;
                for (int j = 0; j < out.size(); j++) {
                    packed.narrow(0, start, r).narrow(1, offset, widths[j]).copy_(out.get(j));
                    offset += widths[j];
                }
            }
        }
        return new Values(packed, widths);
    }

    private static long[] widths(List<Tensor> out) {
        long[] widths = new long[out.size()];
        for (int j = 0; j < out.size(); j++) {
            Tensor t = out.get(j);
            if (t.dim() != 2)
                throw new IllegalArgumentException(
                        "outputs must be [rows, width], output " + j + " has " + t.dim() + " dimensions");
            if (t.scalar_type().intern() != out.get(0).scalar_type().intern())
                throw new IllegalArgumentException("outputs must share one dtype");
            widths[j] = t.size(1);
        }
        return widths;
    }

    /** Keeps {@code t}, made inside an inner scope, alive with the enclosing scope (or the garbage collector). */
    private static void outlive(PointerScope outer, Tensor t) {
        if (outer != null) outer.attach(t);
        else t.retainReference();
    }

    private static List<Tensor> narrow(List<Tensor> rows, long start, long length) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : rows) out.add(t.narrow(0, start, length));
        return out;
    }

    private static boolean anyRequiresGrad(List<Tensor> ts) {
        for (Tensor t : ts) if (t.requires_grad()) return true;
        return false;
    }

    /**
     * One call's backward pass, waiting in hooks: the detached inputs, the output gradient recorded by the output
     * hook, and the input gradients once computed.
     */
    private static final class Pending {
        private final RowFunction f;
        private final RowGradient gradient;
        private final Tensor values;
        private final long[] widths;
        private final List<Tensor> rows = new ArrayList<>();
        private final List<Tensor> shared = new ArrayList<>();
        private final boolean[] rowNeeds;
        private final boolean[] sharedNeeds;
        private final long rowsPerChunk;

        private Tensor outputGrad;
        private List<Tensor> rowGrads;
        private List<Tensor> sharedGrads;

        Pending(
                RowFunction f,
                RowGradient gradient,
                List<Tensor> rows,
                List<Tensor> shared,
                long rowsPerChunk,
                Tensor values,
                long[] widths) {
            this.f = f;
            this.gradient = gradient;
            this.rowsPerChunk = rowsPerChunk;
            this.values = values;
            this.widths = widths;
            rowNeeds = new boolean[rows.size()];
            sharedNeeds = new boolean[shared.size()];
            for (int j = 0; j < rows.size(); j++) {
                this.rows.add(rows.get(j).detach());
                rowNeeds[j] = rows.get(j).requires_grad();
            }
            for (int j = 0; j < shared.size(); j++) {
                this.shared.add(shared.get(j).detach());
                sharedNeeds[j] = shared.get(j).requires_grad();
            }
        }

        /** The values plus an exact zero that carries every input's gradient, with the hooks in place. */
        Tensor attach(List<Tensor> rowInputs, List<Tensor> sharedInputs) {
            long n = values.size(0);
            Tensor sum = null;
            for (int j = 0; j < rowInputs.size(); j++)
                if (rowNeeds[j]) sum = plus(sum, perRow(carrier(rowInputs.get(j), true, j)));
            for (int j = 0; j < sharedInputs.size(); j++)
                if (sharedNeeds[j])
                    sum = plus(sum, carrier(sharedInputs.get(j), false, j).sum());
            Tensor never = values.new_zeros(new long[] {n}, new TensorOptions(torch.ScalarType.Bool));
            Tensor zero = torch.where(never, sum, new Scalar(0.0)).to(values.scalar_type());
            Tensor packed = values.add(zero.unsqueeze(1));
            packed.register_hook(new OutputHook());
            return packed;
        }

        private static Tensor plus(Tensor a, Tensor b) {
            return a == null ? b : a.add(b);
        }

        /** The sum over all dimensions but the first (a view's sum: its backward only expands). */
        private static Tensor perRow(Tensor t) {
            if (t.dim() == 1) return t;
            long[] dims = new long[(int) t.dim() - 1];
            for (int i = 0; i < dims.length; i++) dims[i] = i + 1;
            return t.sum(dims, false, new ScalarTypeOptional());
        }

        private Tensor carrier(Tensor input, boolean row, int index) {
            Tensor c = input.view_as(input);
            c.register_hook(new CarrierHook(row, index));
            return c;
        }

        /** Records the gradient of the packed outputs: a new backward pass begins. */
        private final class OutputHook extends VoidTensorHook {
            @Override
            public void call(TensorBase grad) {
                outputGrad = new Tensor(grad);
                rowGrads = null;
                sharedGrads = null;
            }
        }

        /** Replaces the zero gradient of one carrier with its input's vector-Jacobian product. */
        private final class CarrierHook extends TensorTensorHook {
            private final boolean row;
            private final int index;

            CarrierHook(boolean row, int index) {
                this.row = row;
                this.index = index;
            }

            @Override
            public TensorBase call(TensorBase grad) {
                if (rowGrads == null) recompute();
                return row ? rowGrads.get(index) : sharedGrads.get(index);
            }
        }

        /**
         * The input gradients, chunk by chunk: each chunk recomputed with its graph, then {@code torch.grad}. The
         * gradient buffers belong to the scope open on the thread running the backward pass (on the CPU, the caller's).
         */
        private void recompute() {
            rowGrads = new ArrayList<>();
            sharedGrads = new ArrayList<>();
            for (int j = 0; j < rows.size(); j++) rowGrads.add(rowNeeds[j] ? torch.zeros_like(rows.get(j)) : null);
            for (int j = 0; j < shared.size(); j++)
                sharedGrads.add(sharedNeeds[j] ? torch.zeros_like(shared.get(j)) : null);
            long n = rows.get(0).size(0);
            try (AutoGradMode on = new AutoGradMode(gradient == null)) {
                for (long start = 0; start < n; start += rowsPerChunk) {
                    long r = Math.min(rowsPerChunk, n - start);
                    try (PointerScope ignored = new PointerScope()) {
                        if (gradient == null) chunk(start, r);
                        else analytic(start, r);
                    }
                }
            }
        }

        /** One chunk's input gradients from the hand-written backward pass. */
        private void analytic(long start, long r) {
            List<Tensor> outputs = new ArrayList<>();
            List<Tensor> outputGradients = new ArrayList<>();
            long offset = 0;
            for (long w : widths) {
                outputs.add(values.narrow(0, start, r).narrow(1, offset, w));
                outputGradients.add(
                        outputGrad.narrow(0, start, r).narrow(1, offset, w).to(values.scalar_type()));
                offset += w;
            }
            List<Tensor> g = gradient.apply(narrow(rows, start, r), shared, outputs, outputGradients);
            for (int j = 0; j < rows.size(); j++) {
                Tensor gj = g.get(j);
                if (rowNeeds[j] && gj != null)
                    rowGrads.get(j).narrow(0, start, r).copy_(gj);
            }
            for (int j = 0; j < shared.size(); j++) {
                Tensor gj = g.get(rows.size() + j);
                if (sharedNeeds[j] && gj != null) sharedGrads.get(j).add_(gj);
            }
        }

        private void chunk(long start, long r) {
            List<Tensor> rowLeaves = new ArrayList<>();
            List<Tensor> sharedLeaves = new ArrayList<>();
            TensorVector inputs = new TensorVector();
            for (int j = 0; j < rows.size(); j++) {
                Tensor leaf = rows.get(j).narrow(0, start, r).detach().requires_grad_(rowNeeds[j]);
                rowLeaves.add(leaf);
                if (rowNeeds[j]) inputs.push_back(leaf);
            }
            for (int j = 0; j < shared.size(); j++) {
                Tensor leaf = shared.get(j).detach().requires_grad_(sharedNeeds[j]);
                sharedLeaves.add(leaf);
                if (sharedNeeds[j]) inputs.push_back(leaf);
            }
            List<Tensor> out = f.apply(rowLeaves, sharedLeaves);
            TensorVector outputs = new TensorVector();
            TensorVector gradients = new TensorVector();
            long offset = 0;
            for (Tensor o : out) {
                long w = o.size(1);
                if (o.requires_grad()) {
                    outputs.push_back(o);
                    gradients.push_back(
                            outputGrad.narrow(0, start, r).narrow(1, offset, w).to(o.scalar_type()));
                }
                offset += w;
            }
            if (outputs.size() == 0) return;
            TensorVector g = torch.grad(outputs, inputs, gradients, new BoolOptional(false), false, true);
            int k = 0;
            for (int j = 0; j < rows.size(); j++) {
                if (!rowNeeds[j]) continue;
                Tensor gj = g.get(k++);
                if (gj.defined()) rowGrads.get(j).narrow(0, start, r).copy_(gj);
            }
            for (int j = 0; j < shared.size(); j++) {
                if (!sharedNeeds[j]) continue;
                Tensor gj = g.get(k++);
                if (gj.defined()) sharedGrads.get(j).add_(gj);
            }
        }
    }
}
