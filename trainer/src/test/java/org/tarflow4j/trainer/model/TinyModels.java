package org.tarflow4j.trainer.model;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.assembly.ModelAssembly;
import org.tarflow4j.trainer.assembly.TarflowModule;

/** Tiny models built the way the trainer builds them: config text, registry, Guice, model assembly. */
public final class TinyModels {
    static final PluginRegistry REGISTRY = PluginRegistry.host();

    private TinyModels() {}

    public static ModelAssembly.Built build(String toml, int vocab, String... overrides) {
        return build(ConfigLoader.parse(toml, "tiny.toml", List.of(overrides)), vocab);
    }

    public static ModelAssembly.Built build(TarflowConfig config, int vocab) {
        return TarflowModule.assembly(config, REGISTRY).build(vocab);
    }

    /**
     * Adds {@code N(0, scale²)} noise (from {@code seed}) to every floating parameter of every flow layer, so that no
     * layer is the identity it starts as (zero-initialised affine heads): inversion tests then exercise each layer's
     * direction, which an identity layer hides. Returns the model.
     */
    public static TarFlowLM randomised(TarFlowLM model, double scale, long seed) {
        torch.manual_seed(seed);
        try (PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            for (FlowLayer layer : model.layers())
                for (Tensor p : Parameters.of(layer))
                    if (p.is_floating_point()) p.add_(torch.randn_like(p).mul(new Scalar(scale)));
        }
        return model;
    }

    /** Two layers (Mix-d tied to the encoder, Mix-1) over 3-channel latents of 16 tokens: what the training tests train. */
    public static final String STACK = """
            [model]
            latent = 3
            context = 16
            [[flow]]
            coupling = "rosenblatt"
            [flow.coupling_options]
            tie_to_encoder = true
            [[flow]]
            coupling = "mog"
            [couplings.mog]
            mixtures = 4
            [backbones.transformer]
            depth = 1
            width = 16
            heads = 2
            """;

    /** Three layers (Mix-1, affine, Mix-1 channel-autoregressive), patch 2, 8 tokens, 2-channel latents. */
    public static final String FLOW = """
            [model]
            latent = 2
            patch = 2
            context = 8
            [[flow]]
            coupling = "mog"
            [[flow]]
            coupling = "affine"
            mixer = "identity"
            [[flow]]
            coupling = "mog"
            [flow.coupling_options]
            channel_autoregressive = true
            [couplings.mog]
            mixtures = 3
            [backbones.transformer]
            depth = 1
            width = 16
            heads = 2
            [train]
            seed = 7
            """;
}
