package org.tarflow4j.trainer.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.api.numerics.Normal;

/**
 * TarFlowLM (paper §3): tokens are encoded into Gaussian latents, grouped into patches, and a stack of autoregressive
 * flow layers maps them to standard normal noise. Trained on the ELBO
 * {@code Σ_t [log p(x_t|z_t) − log q(z_t|x_t)] + log N(u; 0, I) + Σ_layers log|det|}.
 */
public final class TarFlowLM extends Module implements LanguageModel {
    private final Encoder encoder;
    private final List<FlowLayer> layers;
    private final int patch;
    private int active;

    public TarFlowLM(Encoder encoder, List<FlowLayer> layers, int patch) {
        this.encoder = register_module("encoder", encoder);
        this.layers = List.copyOf(layers);
        this.patch = patch;
        this.active = layers.size();
        for (int i = 0; i < layers.size(); i++) register_module("flow" + i, layers.get(i));
    }

    public Encoder encoder() {
        return encoder;
    }

    public List<FlowLayer> layers() {
        return layers;
    }

    @Override
    public int patch() {
        return patch;
    }

    /** The layers taking part: all of them, or those of the current progressive stage. */
    public int activeLayers() {
        return active;
    }

    @Override
    public int stages() {
        return layers.size();
    }

    /** Only the first {@code stage} layers take part (the prior sits on their output), and only the last of them trains. */
    @Override
    public void stage(int stage) {
        if (stage < 1 || stage > layers.size())
            throw new IllegalArgumentException("stage " + stage + " of " + layers.size());
        active = stage;
        trainable(encoder, stage == 1);
        for (int i = 0; i < layers.size(); i++) trainable(layers.get(i), i == stage - 1);
    }

    private static void trainable(Module m, boolean on) {
        for (Tensor p : Parameters.of(m)) p.set_requires_grad(on);
    }

    @Override
    public void bf16(boolean on) {
        layers.forEach(l -> l.bf16(on));
    }

    @Override
    public List<Backbone> backbones() {
        return layers.stream().map(FlowLayer::backbone).toList();
    }

    /** The encoder's codebook and scales do not decay; each layer's components decide for their parameters. */
    @Override
    public boolean decays(String name, Tensor parameter) {
        if (name.startsWith("encoder.")) return false;
        int dot = name.indexOf('.');
        return layers.get(Integer.parseInt(name.substring("flow".length(), dot)))
                .decays(name.substring(dot + 1), parameter);
    }

    @Override
    public Objective objective(Tensor ids, Noise noise) {
        Elbo e = elbo(
                ids, noise.normal(placement(), torch.ScalarType.Double, ids.size(0), ids.size(1), encoder.latent()));
        return new Objective(e.value().neg(), ids.numel(), e.terms());
    }

    /** Where the encoder's codebook is: the whole model moves together. */
    @Override
    public Placement placement() {
        return Placement.of(encoder.means());
    }

    @Override
    public boolean exact() {
        return false;
    }

    @Override
    public Module module() {
        return this;
    }

    /** The ELBO per sequence for the encoder noise {@code eps [B, T, d]}. */
    public Elbo elbo(Tensor ids, Tensor eps) {
        Encoder.Posterior q = encoder.sample(ids, eps);
        StepProfile.markBackward(q.z(), "tied decoder (backward)");
        StepProfile.mark("encoder");
        Tensor reconstruction = TiedDecoder.logLikelihood(encoder, q.z(), ids).sum(1);
        Tensor entropy = q.logQ().sum(1).neg();
        StepProfile.mark("tied decoder");
        Tensor h = Patches.patch(q.z(), patch);
        Tensor logDet = null;
        for (int i = 0; i < active; i++) {
            Transformed t = layers.get(i).forward(h, "layer " + (i + 1));
            h = t.value();
            logDet = logDet == null ? t.logDet().sum(1) : logDet.add(t.logDet().sum(1));
        }
        StepProfile.markBackward(h, "prior and loss (backward)");
        Tensor prior = Normal.logPdf(h).sum(new long[] {1, 2});
        return new Elbo(reconstruction, entropy, prior, logDet);
    }

    /** The latents {@code h_0 = patch(z), h_1, …, h_L} of {@code z [B, T, d]} after each layer, without gradients. */
    public List<Tensor> latents(Tensor z) {
        List<Tensor> out = new ArrayList<>();
        Tensor h = Patches.patch(z, patch);
        out.add(h);
        for (int i = 0; i < active; i++) out.add(h = layers.get(i).forward(h).value());
        return out;
    }

    /**
     * The latent {@code h} after {@code layer} layers ({@code [B, N, P·d]}, 0 for {@code h_0}) as token vectors
     * {@code [B, T, d]} in the data's channel arrangement: the channel mixers of layers {@code layer, …, 1} undone, last
     * first, then the patches split. Only this makes a latent decodable by the tied decoder: a mixer rearranges the
     * channels of a position, so after an even-odd mixer with patches the channels of one token belong to others.
     * Without gradients.
     */
    public Tensor tokenVectors(Tensor h, int layer) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (int i = layer - 1; i >= 0; i--) h = layers.get(i).mixer().inverse(h);
            return Patches.unpatch(h, patch);
        }
    }

    /**
     * The four terms of the ELBO per sequence, {@code [B]} each, in nats.
     *
     * @param reconstruction {@code Σ_t log p(x_t | z_t)}
     * @param entropy        {@code −Σ_t log q(z_t | x_t)}
     * @param prior          {@code log N(u; 0, I)}
     * @param logDet         {@code Σ_layers log|det ∂u/∂z|}
     */
    public record Elbo(Tensor reconstruction, Tensor entropy, Tensor prior, Tensor logDet) {
        public Tensor value() {
            return reconstruction.add(entropy).add(prior).add(logDet);
        }

        Map<String, Tensor> terms() {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("reconstruction", reconstruction);
            m.put("entropy", entropy);
            m.put("prior", prior);
            m.put("logdet", logDet);
            return m;
        }
    }
}
