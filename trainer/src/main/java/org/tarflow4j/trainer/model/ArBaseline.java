package org.tarflow4j.trainer.model;

import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.Placement;

/**
 * The discrete autoregressive baseline (the paper's reference row): token embeddings into the same backbone code the
 * flow layers use, whose features at position t see tokens {@code < t}, and a linear read-out to next-token logits.
 */
public final class ArBaseline extends Module implements LanguageModel {
    private final EmbeddingImpl embedding;
    private final Backbone backbone;
    private final LinearImpl readout;
    private boolean bf16;

    public ArBaseline(int vocab, int embeddingWidth, Backbone backbone) {
        this.embedding = register_module("embedding", new EmbeddingImpl(vocab, embeddingWidth));
        this.backbone = backbone;
        register_module("backbone", backbone.module());
        this.readout = register_module("readout", new LinearImpl(backbone.featureWidth(), vocab));
    }

    /** Tokens the read-out scores. */
    public long vocabSize() {
        return readout.weight().size(0);
    }

    @Override
    public void bf16(boolean on) {
        bf16 = on;
    }

    @Override
    public int patch() {
        return 1;
    }

    @Override
    public List<Backbone> backbones() {
        return List.of(backbone);
    }

    /** The backbone decides for its parameters; the embedding and the read-out are matrices and decay. */
    @Override
    public boolean decays(String name, Tensor parameter) {
        return name.startsWith("backbone.")
                ? backbone.decays(name.substring("backbone.".length()), parameter)
                : parameter.dim() >= 2;
    }

    /** The baseline has no layers to train one by one. */
    @Override
    public int stages() {
        return 0;
    }

    @Override
    public void stage(int stage) {
        throw new IllegalArgumentException("the ar baseline has no progressive stages");
    }

    /** Next-token log-probabilities {@code [B, T, V]}: position t conditioned on tokens {@code < t}. */
    public Tensor logProbs(Tensor ids) {
        Tensor embedded = StepProfile.markBackward(embedding.forward(ids), "backbone (backward)");
        StepProfile.mark("embedding");
        Tensor features = StepProfile.markBackward(Precision.features(backbone, embedded, bf16), "read-out (backward)");
        StepProfile.mark("backbone");
        Tensor logProbs = torch.log_softmax(readout.forward(features), 2);
        StepProfile.mark("read-out");
        return logProbs;
    }

    /**
     * Continues {@code prompt [B, p]} (p may be 0) to {@code length} tokens, one token per step with the backbone's
     * cache, drawing each from the next-token distribution at {@code temperature} with {@code noise} (0: the most
     * probable token). Without gradients.
     */
    public Tensor generate(Tensor prompt, int length, double temperature, Noise noise) {
        long b = prompt.size(0);
        try (NoGradGuard ignored = new NoGradGuard();
                Backbone.Stepper stepper = backbone.stepper(b)) {
            TensorVector ids = new TensorVector(prompt);
            for (long t = 0; t < prompt.size(1); t++) stepper.accept(embedding.forward(prompt.narrow(1, t, 1)));
            for (long t = prompt.size(1); t < length; t++) {
                Tensor logits = readout.forward(stepper.next()).squeeze(1);
                Tensor next = temperature == 0
                        ? logits.argmax(new LongOptional(1), true)
                        : noise.categorical(torch.softmax(logits.div(new Scalar(temperature)), 1));
                ids.push_back(next);
                if (t + 1 < length) stepper.accept(embedding.forward(next));
            }
            return torch.cat(ids, 1);
        }
    }

    /** Where the embedding is: the whole model moves together. */
    @Override
    public Placement placement() {
        return Placement.of(embedding.weight());
    }

    @Override
    public Objective objective(Tensor ids, Noise noise) {
        Tensor nll = logProbs(ids).gather(2, ids.unsqueeze(2)).squeeze(2).sum(1).neg();
        return new Objective(nll, ids.numel(), Map.of());
    }

    @Override
    public boolean exact() {
        return true;
    }

    @Override
    public Module module() {
        return this;
    }
}
