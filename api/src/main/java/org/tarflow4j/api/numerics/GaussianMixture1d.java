package org.tarflow4j.api.numerics;

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
        return logSumOverComponents(logWeights.add(componentLogPdf(x)));
    }

    /** {@code log N(x; m_k, σ_k²)} per component: the parameters' shape. */
    public Tensor componentLogPdf(Tensor x) {
        return Normal.logPdf(standardize(x)).sub(logScales);
    }

    /**
     * {@code u = Φ⁻¹(F(x))}, the lower half solved from {@code log F} and the upper half from {@code log(1 − F)}
     * so that neither tail saturates, with the elementwise {@code log du/dx}.
     */
    public Standardized toNormal(Tensor x) {
        Tensor z = standardize(x);
        Tensor logF = logSumOverComponents(logWeights.add(Normal.logCdf(z)));
        Tensor logS = logSumOverComponents(logWeights.add(Normal.logSf(z)));
        Tensor logP = logSumOverComponents(logWeights.add(Normal.logPdf(z).sub(logScales)));
        Tensor u = Normal.quantile(logF, logS);
        return new Standardized(u, logP.sub(Normal.logPdf(u)));
    }

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

    Tensor standardize(Tensor x) {
        return x.unsqueeze(-1).sub(means).mul(logScales.neg().exp());
    }

    static Tensor logSumOverComponents(Tensor perComponent) {
        return torch.logsumexp(perComponent, new long[] {-1}, false);
    }
}
