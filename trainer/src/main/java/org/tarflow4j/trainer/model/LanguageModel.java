package org.tarflow4j.trainer.model;

import org.bytedeco.pytorch.Tensor;

/** What training and evaluation need of a model: a bound on {@code −log p(x)} per sequence. */
public interface LanguageModel {
    /**
     * One stochastic evaluation of the model's bound for a batch of token ids {@code [B, T]}: for TarFlowLM a
     * single-sample negative ELBO, for the autoregressive baseline the exact cross-entropy.
     */
    Objective objective(Tensor ids);

    /** True when {@link #objective} is exact, so importance weighting cannot tighten it. */
    boolean exact();

    org.bytedeco.pytorch.Module module();

    /**
     * Per-sequence terms in nats, each {@code [B]}: {@code nll} is the negative bound; {@code terms} break it down
     * for logging (empty for exact models).
     */
    record Objective(Tensor nll, long tokens, java.util.Map<String, Tensor> terms) {
        /** The loss to minimise: nats per token over the batch. */
        public Tensor loss() {
            return nll.sum().div(new org.bytedeco.pytorch.Scalar((double) tokens));
        }
    }
}
