package org.tarflow4j.trainer.model;

import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.Placement;

/**
 * What training, evaluation and benchmarks need of a model (TarFlowLM or its discrete autoregressive baseline): a
 * bound on {@code −log p(x)} per sequence, and what the trainer must know to optimise it.
 */
public interface LanguageModel {
    /**
     * One stochastic evaluation of the model's bound for a batch of token ids {@code [B, T]} (on the model's
     * placement): for TarFlowLM a single-sample negative ELBO with encoder noise from {@code noise}, for the
     * autoregressive baseline the exact cross-entropy. Training draws each sequence's noise from a seed of its own
     * ({@link Noise#perRow}), so a sequence's loss does not depend on the micro-batch or data-parallel rank it was
     * read in.
     */
    Objective objective(Tensor ids, Noise noise);

    /** Where the model's parameters are, and so where its inputs must be made. */
    Placement placement();

    /** True when {@link #objective} is exact, so importance weighting cannot tighten it. */
    boolean exact();

    Module module();

    /** Tokens per position of the model's backbones: the flow's patch size {@code P}, 1 for the baseline. */
    int patch();

    /** Runs the backbones under bf16 autocast (density math keeps its dtype). */
    void bf16(boolean on);

    /** The backbones, next to the data first. */
    List<Backbone> backbones();

    /**
     * Whether the optimizer's weight decay applies to the parameter {@code name} (as {@link #module()} names it):
     * each component decides for its own parameters, the model for the rest.
     */
    boolean decays(String name, Tensor parameter);

    /** Stages of progressive training (one per flow layer); 0 for a model that cannot be trained in stages. */
    int stages();

    /**
     * Enters progressive stage {@code stage} (1-based): the layers after it are absent, only its own layer trains (and
     * the encoder with the first). {@code 0} restores the whole model, every parameter trainable.
     */
    void stage(int stage);

    /**
     * Per-sequence terms in nats, each {@code [B]}: {@code nll} is the negative bound; {@code terms} break it down
     * for logging (empty for exact models).
     */
    record Objective(Tensor nll, long tokens, Map<String, Tensor> terms) {
        /** The loss to minimise: nats per token over the batch. */
        public Tensor loss() {
            return nll.sum().div(new Scalar((double) tokens));
        }
    }
}
