package org.tarflow4j.api;

import org.bytedeco.pytorch.Tensor;

/**
 * The encoder's codebook: token k has latent distribution {@code N(μ_k, σ_k² I)}. The tensors are live views of the
 * encoder's parameters, so a coupling tied to them trains them too; read them on every call, do not cache.
 */
public interface Codebook {
    /** {@code μ}: {@code [V, d]}. */
    Tensor means();

    /** {@code log σ}: {@code [V]}. */
    Tensor logScales();
}
