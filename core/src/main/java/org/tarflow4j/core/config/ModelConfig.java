package org.tarflow4j.core.config;

import org.tarflow4j.api.Options;
import org.tarflow4j.api.numerics.DensityDtype;

/**
 * {@code [model]}: what is being modelled.
 *
 * @param kind      {@code flow} (TarFlowLM) or {@code ar} (the discrete autoregressive baseline)
 * @param latent    latent channels per token, {@code d}
 * @param patch     tokens per flow position, {@code P}
 * @param context   tokens per training sequence, {@code T} (a multiple of {@code P})
 * @param sigmaMin  lower bound of the encoder's per-token scale
 * @param sigmaMax  upper bound of the encoder's per-token scale
 * @param sigmaInit the encoder's initial per-token scale
 * @param density   the dtype of the tied decoder's likelihood {@code log p(x | z)} over the vocabulary
 *     ({@code density_dtype}, {@code "float64"} or {@code "float32"}; each density coupling has its own)
 */
public record ModelConfig(
        String kind,
        int latent,
        int patch,
        int context,
        double sigmaMin,
        double sigmaMax,
        double sigmaInit,
        DensityDtype density) {
    static ModelConfig read(Options o) {
        ModelConfig m = new ModelConfig(
                o.getChoice("kind", "flow", "flow", "ar"),
                o.getInt("latent", 5, 1, 4096),
                o.getInt("patch", 1, 1, 1024),
                o.getInt("context", 256, 1, 1 << 20),
                o.getDouble("sigma_min", 1e-3, 1e-8, 1e3),
                o.getDouble("sigma_max", 1.0, 1e-8, 1e3),
                o.getDouble("sigma_init", 0.5, 1e-8, 1e3),
                DensityDtype.read(o));
        if (m.context < 2 * m.patch)
            throw o.invalid(
                    "context",
                    "is " + m.context + "; a sequence needs at least 2 flow positions (context >= 2 x patch = "
                            + 2 * m.patch + "), or no token has another before it to be modelled from");
        if (m.context % m.patch != 0)
            throw o.invalid(
                    "context",
                    "is " + m.context + ", which is not divisible by patch = " + m.patch
                            + "; choose a context that is a multiple of the patch size");
        if (!(m.sigmaMin < m.sigmaMax) || m.sigmaInit <= m.sigmaMin || m.sigmaInit >= m.sigmaMax)
            throw o.invalid(
                    "sigma_init",
                    "must lie strictly between sigma_min = " + m.sigmaMin + " and sigma_max = " + m.sigmaMax);
        return m;
    }

    public boolean isFlow() {
        return kind.equals("flow");
    }

    /** Channels per flow position, {@code P · d}. */
    public int channels() {
        return patch * latent;
    }

    /** Flow positions per sequence, {@code T / P}. */
    public int positions() {
        return context / patch;
    }
}
