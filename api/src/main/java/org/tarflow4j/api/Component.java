package org.tarflow4j.api;

import org.bytedeco.pytorch.Tensor;

/**
 * What every component (coupling, backbone, channel mixer) shares with the host: the libtorch module that holds its
 * parameters, and which of them the optimizer's weight decay applies to.
 */
public interface Component {
    /** The libtorch module holding this component's parameters. */
    default org.bytedeco.pytorch.Module module() {
        return (org.bytedeco.pytorch.Module) this;
    }

    /**
     * Whether weight decay applies to the parameter {@code name} (as {@link #module()} names it, e.g.
     * {@code head.weight}). By default weight matrices decay and vectors (biases, norm scales) do not; override it
     * for matrices that must not shrink towards zero, such as position embeddings or a codebook of means.
     */
    default boolean decays(String name, Tensor parameter) {
        return parameter.dim() >= 2;
    }
}
