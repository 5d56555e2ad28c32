package org.tarflow4j.coupling.rosenblatt;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Codebook;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.InverseReport;
import org.tarflow4j.api.JacobianShape;
import org.tarflow4j.api.TokenPredictor;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.api.numerics.GaussianMixture1d;
import org.tarflow4j.api.numerics.MixtureSolver;

/**
 * Mix-d: the {@code d} channels of a token follow an isotropic mixture {@code p(x) = Σ_k π_k(h) N(x; μ_k, σ_k² I)}
 * over the {@code V} components of a codebook, and are mapped to a standard normal by the Rosenblatt transform
 * (paper, Algorithm 1): for {@code i = 1..d}, {@code u_i = Φ⁻¹(Σ_k α_k⁽ⁱ⁾ Φ((x_i − μ_ki)/σ_k))} with the weights
 * {@code α⁽ⁱ⁾ ∝ π_k Π_{j<i} N(x_j; μ_kj, σ_k²)} updated by Bayes' rule, and
 * {@code log|det| = log p(x) − Σ_i log φ(u_i)} (the conditional log-densities sum to {@code log p(x)}).
 *
 * <p>Only the weights come from the features (a linear head to {@code P·V} logits per position; none when
 * {@code V = 1}, where the single weight is 1). With patches
 * ({@code C = P·d}) the channels of a position are {@code P} tokens of {@code d} channels each, token-major, and each
 * token has its own weights but the same codebook; given the features the tokens of a patch are independent mixtures.
 * Work and memory per dimension are {@code O(B·T·P·V)}: the loop runs over the {@code d} dimensions and never holds
 * a {@code [B, T, V, d]} tensor.
 */
final class RosenblattCoupling extends Module implements Coupling, TokenPredictor {
    private final int patch;
    private final int tokenChannels;
    private final int vocab;
    private final LogitHead head;
    private final Codebook codebook;
    private final MixtureSolver solver;
    private final ThreadLocal<InverseReport> lastInverse = ThreadLocal.withInitial(() -> InverseReport.EXACT);

    /** @param tied the encoder's codebook, or {@code null} to learn one of its own, started from {@code init} */
    RosenblattCoupling(
            int patch,
            int tokenChannels,
            int vocab,
            int featureWidth,
            Codebook tied,
            CodebookInit init,
            MixtureSolver solver) {
        super("RosenblattCoupling");
        this.patch = patch;
        this.tokenChannels = tokenChannels;
        this.vocab = vocab;
        this.solver = solver;
        head = vocab > 1 ? register_module("head", new LogitHead(featureWidth, (long) patch * vocab)) : null;
        codebook = tied != null
                ? tied
                : register_module("codebook", new LearnedCodebook(vocab, tokenChannels, init.meanStd(), init.scale()));
    }

    /** How an own codebook starts: means from {@code N(0, meanStd²)}, every scale {@code scale}. */
    record CodebookInit(double meanStd, double scale) {}

    @Override
    public Transformed forward(Tensor x, Tensor features) {
        Tensor tokens = x.unflatten(-1, patch, tokenChannels);
        Components components = components(x);
        Tensor logWeights = logWeights(features, x);
        TensorVector u = new TensorVector();
        Tensor logDet = null;
        for (int i = 0; i < tokenChannels; i++) {
            GaussianMixture1d mixture = components.dimension(i, logWeights);
            Tensor xi = tokens.select(-1, i);
            GaussianMixture1d.Standardized s = mixture.toNormal(xi);
            u.push_back(s.u());
            logDet = logDet == null ? s.logDet() : logDet.add(s.logDet());
            if (i + 1 < tokenChannels) logWeights = bayesUpdate(mixture, xi);
        }
        Tensor value = torch.stack(u, -1).flatten(-2, -1);
        return new Transformed(value, logDet.sum(new long[] {-1}, false, new ScalarTypeOptional()));
    }

    @Override
    public Tensor inverse(Tensor u, Tensor features) {
        Tensor tokens = u.unflatten(-1, patch, tokenChannels);
        Components components = components(u);
        Tensor logWeights = logWeights(features, u);
        TensorVector x = new TensorVector();
        InverseReport report = InverseReport.EXACT;
        for (int i = 0; i < tokenChannels; i++) {
            GaussianMixture1d mixture = components.dimension(i, logWeights);
            MixtureSolver.Solution solution = mixture.fromNormal(tokens.select(-1, i), solver);
            x.push_back(solution.x());
            report = report.plus(solution.report());
            if (i + 1 < tokenChannels) logWeights = bayesUpdate(mixture, solution.x());
        }
        lastInverse.set(report);
        return torch.stack(x, -1).flatten(-2, -1);
    }

    @Override
    public Tensor tokenLogProbs(Tensor features) {
        Tensor like = torch.zeros(
                new long[] {features.size(0), features.size(1), (long) patch * tokenChannels},
                new TensorOptions(torch.ScalarType.Double));
        return logWeights(features, like);
    }

    /** {@code log π}: {@code [B, T, P, V]}, in the dtype of {@code like}; with one component there is nothing to learn. */
    private Tensor logWeights(Tensor features, Tensor like) {
        if (head == null)
            return torch.zeros_like(like.unflatten(-1, patch, tokenChannels).narrow(-1, 0, 1));
        Tensor logits = head.forward(features).unflatten(-1, patch, vocab).to(like.scalar_type());
        return torch.log_softmax(logits, -1);
    }

    /** {@code log α⁽ⁱ⁺¹⁾ = log_softmax(log α⁽ⁱ⁾ + log N(x_i; μ_ki, σ_k²))}. */
    private static Tensor bayesUpdate(GaussianMixture1d mixture, Tensor xi) {
        return torch.log_softmax(mixture.logWeights().add(mixture.componentLogPdf(xi)), -1);
    }

    /** The codebook in the dtype of {@code like}, read afresh on every call (a tied codebook trains with the encoder). */
    private Components components(Tensor like) {
        return new Components(
                codebook.means().to(like.scalar_type()), codebook.logScales().to(like.scalar_type()));
    }

    private record Components(Tensor means, Tensor logScales) {
        /** The 1-D mixture of dimension {@code i} under the weights {@code logWeights [B, T, P, V]}. */
        GaussianMixture1d dimension(int i, Tensor logWeights) {
            return new GaussianMixture1d(logWeights, means.select(1, i), logScales);
        }
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
