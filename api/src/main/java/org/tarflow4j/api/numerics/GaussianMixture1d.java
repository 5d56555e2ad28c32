package org.tarflow4j.api.numerics;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * One-dimensional Gaussian mixtures, one per element: {@code p(x) = Σ_k π_k N(x; m_k, σ_k²)} with the {@code K}
 * components along the last dimension of the parameter tensors. A value {@code x} has the parameters' shape
 * without that last dimension (or broadcasts to it). Everything is computed in log space, in the dtype of the
 * inputs (use float64), and is differentiable in {@code x} and in the parameters.
 *
 * @param logWeights {@code log π_k}, normalised over the last dimension (e.g. by {@code log_softmax})
 * @param means      {@code m_k}
 * @param logScales  {@code log σ_k}
 */
public record GaussianMixture1d(Tensor logWeights, Tensor means, Tensor logScales) {

    /** The map to a standard normal, elementwise: {@code u = Φ⁻¹(F(x))} and {@code log du/dx = log p(x) − log φ(u)}. */
    public record Standardized(Tensor u, Tensor logDet) {}

    /** {@code log F(x) = logsumexp_k(log π_k + log Φ(z_k))}, {@code z_k = (x − m_k)/σ_k}. */
    public Tensor logCdf(Tensor x) {
        return logSumOverComponents(logWeights.add(Normal.logCdf(standardize(x))));
    }

    /** {@code log(1 − F(x)) = logsumexp_k(log π_k + log Φ(−z_k))}, accurate where {@code F(x)} rounds to 1. */
    public Tensor logSf(Tensor x) {
        return logSumOverComponents(logWeights.add(Normal.logSf(standardize(x))));
    }

    /** {@code log p(x)}. */
    public Tensor logPdf(Tensor x) {
        return logSumOverComponents(joint(standardize(x)));
    }

    /** {@code log N(x; m_k, σ_k²)} per component: the parameters' shape. */
    public Tensor componentLogPdf(Tensor x) {
        return Normal.logPdf(standardize(x)).sub(logScales);
    }

    /**
     * {@code u = Φ⁻¹(F(x))} with the elementwise {@code log du/dx}. Each element is solved from the smaller of its two
     * tails, {@code log F} below the median and {@code log(1 − F)} above it, so neither tail saturates; a cheap
     * probability-space estimate of {@code F} picks the side, so each element needs one log-CDF per component.
     */
    public Standardized toNormal(Tensor x) {
        Tensor z = standardize(x);
        Tensor side = side(z);
        Tensor logTail = logTail(z.mul(side.unsqueeze(-1)));
        Tensor logP = logSumOverComponents(joint(z));
        Tensor u = Normal.lowerQuantile(logTail).mul(side);
        return new Standardized(u, logP.sub(Normal.logPdf(u)));
    }

    /**
     * What {@link #toNormal} gives, and the posterior of the components given {@code x} by Bayes' rule,
     * {@code log π_k + log N(x; m_k, σ_k²) − log p(x)} (normalised over the last dimension), and how {@code u} was
     * found, for a hand-written backward pass: the tail it was solved from and that tail's log-probability
     * ({@code u = side·Φ⁻¹(exp(logTail))}).
     *
     * @param logPosterior the parameters' shape
     * @param side         {@code +1} where {@code u} was solved from the lower tail {@code log F}, {@code −1} from the
     *     upper tail {@code log(1 − F)}; without gradient
     * @param logTail      the log-probability of that tail
     * @param logDensity   {@code log p(x)}
     */
    public record Conditioned(
            Tensor u, Tensor logDet, Tensor logPosterior, Tensor side, Tensor logTail, Tensor logDensity) {}

    /**
     * {@link #toNormal} together with the posterior, sharing the standardized values and the joint
     * {@code log π_k + log N_k(x)} between the density and Bayes' rule: with gradient tracking its graph keeps five
     * tensors of the parameters' shape, where {@code toNormal} and a separate {@code log_softmax} over
     * {@link #componentLogPdf} keep eight. The chain of a Rosenblatt transform is built from it.
     */
    public Conditioned toNormalAndPosterior(Tensor x) {
        Tensor z = standardize(x);
        Tensor side = side(z);
        Tensor logTail = logTail(z.mul(side.unsqueeze(-1)));
        Tensor joint = joint(z);
        Tensor logP = logSumOverComponents(joint);
        Tensor u = Normal.lowerQuantile(logTail).mul(side);
        return new Conditioned(u, logP.sub(Normal.logPdf(u)), joint.sub(logP.unsqueeze(-1)), side, logTail, logP);
    }

    /**
     * {@code logsumexp_k(log π_k + log Φ(y_k))}. Without gradient on the CPU, the components below {@code log Φ}'s
     * series threshold count with the value at the threshold, an upper bound, and skip the series when all of them
     * together could not change any element's sum by a share the dtype resolves ({@link Normal.Clamped#negligibleBelow},
     * a bound that needs no pass over them): with a small codebook scale most components are that far from {@code x},
     * and the series or even a mask over them cost more than the rest of the tail.
     */
    private Tensor logTail(Tensor y) {
        if (y.requires_grad() || logWeights.requires_grad() || !y.is_cpu())
            return logSumOverComponents(logWeights.add(Normal.logCdf(y)));
        try (NoGradGuard ignored = new NoGradGuard()) {
            Normal.Clamped c = Normal.logCdfClamped(y, false);
            Tensor clamped = logSumOverComponents(logWeights.add(c.value()));
            if (c.negligibleBelow(clamped)) return clamped;
            return logSumOverComponents(logWeights.add(Normal.complete(c, y).value()));
        }
    }

    /**
     * {@code log π_k + log N(x; m_k, σ_k²)} from the standardized {@code z_k}: {@code log π_k − z_k²/2 − (log σ_k + ½ log 2π)},
     * two passes over the components' shape.
     */
    public Tensor joint(Tensor z) {
        return logWeights.addcmul(z, z, new Scalar(-0.5)).sub(logScales.add(new Scalar(Normal.HALF_LOG_TWO_PI)));
    }

    /**
     * {@code +1} where {@code F(x) < ½}, {@code −1} elsewhere (no gradient: it only chooses a formula), from the
     * logistic estimate {@code Φ(z) ≈ σ(1.702 z)}, which is within {@value #SIDE_ESTIMATE_ERROR} of {@code Φ}
     * everywhere, one cheap pass where {@code erfc} costs ten. Near the median either side is accurate; the tail
     * chosen is then at most {@code ½ + 0.0095}, which {@link Normal#lowerQuantile} accepts.
     */
    private Tensor side(Tensor z) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor cdf = logWeights
                    .exp()
                    .mul(torch.sigmoid(z.mul(new Scalar(LOGISTIC_SLOPE))))
                    .sum(-1);
            return cdf.lt(new Scalar(0.5))
                    .to(z.scalar_type())
                    .mul(new Scalar(2.0))
                    .sub(new Scalar(1.0));
        }
    }

    /** The slope of the logistic estimate of {@code Φ} in {@link #side} (Bowling et al., 2009). */
    static final double LOGISTIC_SLOPE = 1.702;

    /** The largest error of that estimate. */
    static final double SIDE_ESTIMATE_ERROR = 0.0095;

    /** {@code x} with {@code F(x) = Φ(u)}, by the given solver. */
    public MixtureSolver.Solution fromNormal(Tensor u, MixtureSolver solver) {
        return solver.solve(this, u);
    }

    /** {@code x} with {@code F(x) = Φ(u)}, by {@link MixtureSolver#DEFAULT}. */
    public MixtureSolver.Solution fromNormal(Tensor u) {
        return MixtureSolver.DEFAULT.solve(this, u);
    }

    /** The number of components {@code K}. */
    public long components() {
        return logWeights.size(-1);
    }

    /** {@code z_k = (x − m_k)/σ_k}: the parameters' shape. */
    public Tensor standardize(Tensor x) {
        return x.unsqueeze(-1).sub(means).mul(logScales.neg().exp());
    }

    static Tensor logSumOverComponents(Tensor perComponent) {
        return torch.logsumexp(perComponent, new long[] {-1}, false);
    }
}
