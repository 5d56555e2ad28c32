package org.tarflow4j.trainer.model;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.numerics.Normal;

/**
 * The decoder tied to the encoder's codebook: {@code p(x = k | z) = N(z; μ_k, σ_k² I) / Σ_j N(z; μ_j, σ_j² I)},
 * the posterior over tokens of a uniform mixture of the encoder's Gaussians, computed with logsumexp.
 */
public final class TiedDecoder {
    private TiedDecoder() {}

    /** {@code log p(x = k | z)} for every token k: {@code [B, T, V]} from {@code z [B, T, d]}. */
    public static Tensor logProbs(Encoder encoder, Tensor z) {
        Tensor logN = componentLogDensities(encoder, z);
        return logN.sub(logN.logsumexp(new long[] {2}, true));
    }

    /** {@code log N(z; μ_k, σ_k² I)} for every k, {@code [B, T, V]}. */
    static Tensor componentLogDensities(Encoder encoder, Tensor z) {
        Tensor mu = encoder.means();
        Tensor logSigma = encoder.logScales();
        int d = encoder.latent();
        Tensor sq = z.square()
                .sum(new long[] {2}, true, new org.bytedeco.pytorch.ScalarTypeOptional())
                .sub(z.matmul(mu.t()).mul(new Scalar(2.0)))
                .add(mu.square().sum(1));
        return sq.clamp_min(new Scalar(0.0))
                .mul(logSigma.mul(new Scalar(-2.0)).exp().mul(new Scalar(-0.5)))
                .sub(logSigma.mul(new Scalar((double) d)))
                .sub(new Scalar(d * Normal.HALF_LOG_TWO_PI));
    }

    /** {@code log p(x_t | z_t)} for the given tokens, {@code [B, T]}. */
    public static Tensor logLikelihood(Encoder encoder, Tensor z, Tensor ids) {
        return logProbs(encoder, z).gather(2, ids.unsqueeze(2)).squeeze(2);
    }

    /** The most probable token at each position, {@code [B, T]}. */
    public static Tensor argmax(Encoder encoder, Tensor z) {
        return componentLogDensities(encoder, z).argmax(new org.bytedeco.pytorch.LongOptional(2), false);
    }
}
