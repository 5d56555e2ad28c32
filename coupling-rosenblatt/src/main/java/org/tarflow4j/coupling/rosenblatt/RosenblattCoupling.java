package org.tarflow4j.coupling.rosenblatt;

import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Codebook;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.InverseReport;
import org.tarflow4j.api.JacobianShape;
import org.tarflow4j.api.TokenPredictor;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.api.numerics.DensityDtype;
import org.tarflow4j.api.numerics.MixtureSolver;
import org.tarflow4j.api.numerics.RecomputedRows;

/**
 * Mix-d: the {@code d} channels of a token follow an isotropic mixture {@code p(x) = Σ_k π_k(h) N(x; μ_k, σ_k² I)}
 * over the {@code V} components of a codebook, and are mapped to a standard normal by the Rosenblatt transform
 * (paper, Algorithm 1; see {@link RosenblattTransform}).
 *
 * <p>Only the weights come from the features (a linear head to {@code P·V} logits per position; none when
 * {@code V = 1}, where the single weight is 1). With patches ({@code C = P·d}) the channels of a position are
 * {@code P} tokens of {@code d} channels each, token-major, and each token has its own weights but the same codebook;
 * given the features the tokens of a patch are independent mixtures, unless a {@link PatchAutoregressiveHead} lets each
 * token's weights also see the tokens before it in its patch (then the inverse recovers them one after the other).
 *
 * <p>Memory: the transform's graph holds several {@code [B·T, P, V]} tensors per channel, {@code d} times over. The
 * lean path (the default) runs it over chunks of positions sized to {@code chunkBytes} without keeping a graph, and
 * computes each chunk's gradient inside the backward pass by the transform's hand-written backward
 * ({@link RosenblattTransform#gradient}, through {@link RecomputedRows}), so forward plus backward holds the logits and
 * their gradient ({@code [B·T, P·V]} each, in the head's dtype) and one chunk's working set.
 * The inverse runs over the same chunks. With {@code lean = false} the transform runs over all positions at once:
 * the straightforward reference the lean path is tested against.
 */
final class RosenblattCoupling extends Module implements Coupling, TokenPredictor {
    /**
     * Peak working memory of the lean path's forward and backward pass, in {@code [P, V]} tensors of the density dtype
     * per position: about {@code 1.5·d + 51} (measured with libtorch 2.10 at V = 4,096, d = 5 and 16: the backward
     * pass keeps the {@code d + 1} weights of the chain and one channel's temporaries; see ARCHITECTURE.md). The
     * inverse needs less.
     */
    static final int TENSORS_PER_CHANNEL = 2;

    static final int TENSORS_FIXED = 50;

    /**
     * The same for the straightforward path's autograd graph over the whole chain ({@code lean = false}): about
     * {@code 10·d + 36}.
     */
    static final int GRAPH_TENSORS_PER_CHANNEL = 10;

    static final int GRAPH_TENSORS_FIXED = 36;

    /**
     * {@code [positions, P·V]} head-dtype tensors a training step holds: the logits (kept for the recomputation) and
     * their gradient (the buffer the recomputation fills, which the head's backward pass reads).
     */
    static final int HEAD_TENSORS = 2;

    /** With a {@link PatchAutoregressiveHead}, the corrections and the corrected logits, the same size. */
    static final int WITHIN_PATCH_TENSORS = 2;

    private final int patch;
    private final int tokenChannels;
    private final int vocab;
    private final LogitHead head;
    private final PatchAutoregressiveHead withinPatch;
    private final RosenblattTransform tokenTransform;
    private final Codebook codebook;
    private final MixtureSolver solver;
    private final RosenblattTransform transform;
    private final DensityDtype density;
    private final boolean lean;
    private final long chunkBytes;
    private final ThreadLocal<InverseReport> lastInverse = ThreadLocal.withInitial(() -> InverseReport.EXACT);

    /**
     * @param tied       the encoder's codebook, or {@code null} to learn one of its own, started from {@code init}
     * @param chunkBytes working memory of one chunk of positions on the lean path
     * @param patchAutoregressive whether a token's weights see the tokens before it in its patch (with patches and
     *     {@code V > 1} only)
     */
    RosenblattCoupling(
            int patch,
            int tokenChannels,
            int vocab,
            int featureWidth,
            Codebook tied,
            CodebookInit init,
            MixtureSolver solver,
            DensityDtype density,
            boolean lean,
            long chunkBytes,
            boolean patchAutoregressive) {
        super("RosenblattCoupling");
        this.patch = patch;
        this.tokenChannels = tokenChannels;
        this.vocab = vocab;
        this.solver = solver;
        this.density = density;
        this.lean = lean;
        this.chunkBytes = chunkBytes;
        transform = new RosenblattTransform(patch, tokenChannels, vocab, density);
        head = vocab > 1 ? register_module("head", new LogitHead(featureWidth, (long) patch * vocab)) : null;
        boolean within = patchAutoregressive && patch > 1 && head != null;
        withinPatch = within
                ? register_module(
                        "within_patch",
                        new PatchAutoregressiveHead(featureWidth, patch, tokenChannels, vocab, featureWidth))
                : null;
        tokenTransform = within ? new RosenblattTransform(1, tokenChannels, vocab, density) : null;
        codebook = tied != null
                ? tied
                : register_module("codebook", new LearnedCodebook(vocab, tokenChannels, init.meanStd(), init.scale()));
    }

    /** How an own codebook starts: means from {@code N(0, meanStd²)}, every scale {@code scale}. */
    record CodebookInit(double meanStd, double scale) {}

    @Override
    public Transformed forward(Tensor x, Tensor features) {
        List<Tensor> rows = rows(x, features);
        if (withinPatch != null)
            rows = List.of(rows.get(0), withinPatchLogits(rows.get(1), flatFeatures(features), rows.get(0)));
        List<Tensor> shared = List.of(codebook.means(), codebook.logScales());
        List<Tensor> out = lean
                ? RecomputedRows.apply(transform::forward, transform::gradient, rows, shared, positionsPerChunk())
                : transform.forward(rows, shared);
        long[] leading = leading(x);
        return new Transformed(
                out.get(0).to(x.scalar_type()).view_as(x),
                out.get(1).to(x.scalar_type()).reshape(leading));
    }

    @Override
    public Tensor inverse(Tensor u, Tensor features) {
        List<Tensor> rows = rows(u, features);
        if (withinPatch != null) rows = List.of(rows.get(0), rows.get(1), flatFeatures(features));
        List<Tensor> shared = List.of(codebook.means(), codebook.logScales());
        InverseReport[] report = {InverseReport.EXACT};
        RecomputedRows.RowFunction solve = (r, s) -> {
            RosenblattTransform.Inverse inverse = withinPatch == null ? transform.inverse(r, s, solver) : byToken(r, s);
            report[0] = report[0].plus(inverse.report());
            return List.of(inverse.x());
        };
        Tensor x = lean
                ? RecomputedRows.apply(solve, rows, shared, positionsPerChunk()).get(0)
                : solve.apply(rows, shared).get(0);
        lastInverse.set(report[0]);
        return x.view_as(u);
    }

    /**
     * The inverse with a {@link PatchAutoregressiveHead}: token {@code j} of each patch once tokens {@code 0..j−1} are
     * known, since its weights depend on them.
     *
     * @param rows {@code u [r, P·d]}, the head's logits {@code [r, P·V]} and the features {@code [r, D]}
     */
    private RosenblattTransform.Inverse byToken(List<Tensor> rows, List<Tensor> shared) {
        Tensor u = rows.get(0);
        Tensor logits = rows.get(1);
        Tensor features = rows.get(2);
        TensorVector x = new TensorVector();
        InverseReport report = InverseReport.EXACT;
        for (int j = 0; j < patch; j++) {
            Tensor tokenLogits = logits.narrow(1, (long) j * vocab, vocab);
            if (j > 0) tokenLogits = tokenLogits.add(withinPatch.correction(j, features, torch.cat(x, 1)));
            RosenblattTransform.Inverse token = tokenTransform.inverse(
                    List.of(u.narrow(1, (long) j * tokenChannels, tokenChannels), tokenLogits), shared, solver);
            x.push_back(token.x());
            report = report.plus(token.report());
        }
        return new RosenblattTransform.Inverse(torch.cat(x, 1), report);
    }

    /** {@code x} (or {@code u}) as {@code [B·T, P·d]} and, unless {@code V = 1}, the head's logits {@code [B·T, P·V]}. */
    private List<Tensor> rows(Tensor x, Tensor features) {
        Tensor flat = x.reshape(-1, x.size(-1));
        if (head == null) return List.of(flat);
        return List.of(flat, head.forward(features).reshape(-1, (long) patch * vocab));
    }

    /**
     * The logits of every token of a patch plus the {@link PatchAutoregressiveHead}'s correction from
     * {@code x [r, P·d]}, added in one piece so that the backward pass hands the head's logits one gradient.
     */
    private Tensor withinPatchLogits(Tensor logits, Tensor features, Tensor x) {
        TensorVector corrections = new TensorVector();
        corrections.push_back(torch.zeros(new long[] {logits.size(0), vocab}, logits.options()));
        for (int j = 1; j < patch; j++)
            corrections.push_back(withinPatch.correction(j, features, x.narrow(1, 0, (long) j * tokenChannels)));
        return logits.add(torch.cat(corrections, 1));
    }

    /** The features {@code [B, T, D]} as {@code [B·T, D]}. */
    private static Tensor flatFeatures(Tensor features) {
        return features.reshape(-1, features.size(-1));
    }

    private static long[] leading(Tensor x) {
        long[] shape = new long[(int) x.dim() - 1];
        for (int i = 0; i < shape.length; i++) shape[i] = x.size(i);
        return shape;
    }

    /** Positions whose recomputed graph fits {@code chunkBytes}: at least one. */
    long positionsPerChunk() {
        return Math.max(1, chunkBytes / bytesPerPosition(patch, tokenChannels, vocab, density.bytes()));
    }

    /**
     * The mixture logits {@code [positions, P·V]} in the head's dtype (float32), held from the forward pass to the
     * backward pass, and their gradient ({@link #HEAD_TENSORS}); and the transform's working set: one chunk's on the lean
     * path, the graph over every position otherwise.
     */
    @Override
    public double trainingBytes(long positions) {
        int headTensors = HEAD_TENSORS + (withinPatch == null ? 0 : WITHIN_PATCH_TENSORS);
        double logits = head == null ? 0 : (double) headTensors * positions * patch * vocab * Float.BYTES;
        double graph = lean
                ? Math.min(
                        chunkBytes, positions * (double) bytesPerPosition(patch, tokenChannels, vocab, density.bytes()))
                : positions
                        * (double) patch
                        * vocab
                        * density.bytes()
                        * (GRAPH_TENSORS_PER_CHANNEL * (double) tokenChannels + GRAPH_TENSORS_FIXED);
        return logits + graph;
    }

    /** The working memory of one position on the lean path. */
    static long bytesPerPosition(int patch, int tokenChannels, int vocab, int elementBytes) {
        return (long) patch * vocab * elementBytes * (TENSORS_PER_CHANNEL * (long) tokenChannels + TENSORS_FIXED);
    }

    /** With a {@link PatchAutoregressiveHead}, token {@code j ≥ 1}'s weights also depend on the tokens before it. */
    @Override
    public Tensor tokenLogProbs(Tensor features) {
        if (withinPatch != null)
            throw new UnsupportedOperationException(
                    "with patch_autoregressive the weights of a patch's later tokens depend on its earlier ones, not on the features alone");
        if (head == null)
            return torch.zeros(
                    new long[] {features.size(0), features.size(1), patch, 1},
                    features.options().dtype(new ScalarTypeOptional(torch.ScalarType.Double)));
        return torch.log_softmax(
                head.forward(features).unflatten(-1, patch, vocab).to(torch.ScalarType.Double), -1);
    }

    /** An own codebook holds the mixture's means and scales, which must not shrink towards zero. */
    @Override
    public boolean decays(String name, Tensor parameter) {
        return Coupling.super.decays(name, parameter) && !name.startsWith("codebook.");
    }

    @Override
    public JacobianShape jacobianShape() {
        return JacobianShape.LOWER_TRIANGULAR;
    }

    @Override
    public InverseReport lastInverse() {
        return lastInverse.get();
    }
}
