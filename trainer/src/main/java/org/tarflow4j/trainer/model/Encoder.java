package org.tarflow4j.trainer.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Codebook;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.numerics.DensityDtype;
import org.tarflow4j.api.numerics.Normal;

/**
 * The encoder {@code q(z_t | x_t = k) = N(μ_k, σ_k² I)}: a learned codebook of V means in {@code R^d} and one learned
 * scale per token, {@code log σ_k} kept inside {@code [log σ_min, log σ_max]} by a sigmoid so it stays positive and
 * bounded. Float64, since the ELBO's terms are differences of large log-densities.
 */
public final class Encoder extends Module implements Codebook {
    private final Tensor means;
    private final Tensor rawScales;
    private final double logMin;
    private final double logMax;
    private final DensityDtype density;

    public Encoder(int vocab, int latent, double sigmaMin, double sigmaMax, double sigmaInit) {
        this(vocab, latent, sigmaMin, sigmaMax, sigmaInit, DensityDtype.FLOAT64);
    }

    /** @param density the dtype of the tied decoder's likelihood ({@link TiedDecoder#logLikelihood}) */
    public Encoder(int vocab, int latent, double sigmaMin, double sigmaMax, double sigmaInit, DensityDtype density) {
        this.density = density;
        logMin = Math.log(sigmaMin);
        logMax = Math.log(sigmaMax);
        double p = (Math.log(sigmaInit) - logMin) / (logMax - logMin);
        // Made on the CPU from the seeded generator, like every parameter, and moved with the model.
        means = torch.randn(new long[] {vocab, latent}, Placement.CPU.options(torch.ScalarType.Double));
        rawScales = torch.full(
                new long[] {vocab}, new Scalar(Math.log(p / (1 - p))), Placement.CPU.options(torch.ScalarType.Double));
        register_parameter("means", means);
        register_parameter("raw_scales", rawScales);
    }

    @Override
    public Tensor means() {
        return means;
    }

    @Override
    public Tensor logScales() {
        return rawScales.sigmoid().mul(new Scalar(logMax - logMin)).add(new Scalar(logMin));
    }

    /** The dtype the tied decoder computes the likelihood in. */
    public DensityDtype density() {
        return density;
    }

    public int vocabSize() {
        return (int) means.size(0);
    }

    public int latent() {
        return (int) means.size(1);
    }

    /** A reparameterised sample {@code z = μ_x + σ_x ε} and {@code log q(z|x)} per token. */
    public Posterior sample(Tensor ids, Tensor eps) {
        Tensor logSigma = logScales().index_select(0, ids.flatten()).view(ids.size(0), ids.size(1), 1);
        Tensor mu = means.index_select(0, ids.flatten()).view(ids.size(0), ids.size(1), means.size(1));
        Tensor z = mu.add(eps.mul(logSigma.exp()));
        Tensor logQ = Normal.logPdf(eps).sub(logSigma).sum(2);
        return new Posterior(z, logQ);
    }

    /** {@code z [B, T, d]} and {@code log q(z|x) [B, T]}. */
    public record Posterior(Tensor z, Tensor logQ) {}
}
