package org.tarflow4j.trainer.sample;

import java.nio.file.Path;
import java.util.List;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.data.Tokenizer;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.TarFlowLM;
import org.tarflow4j.trainer.model.TinyModels;

/** Untrained tiny models over the text8 alphabet, built the way the trainer builds them. */
final class TinyLoaded {

    /** Tied Mix-d left to right, affine right to left, Mix-1 left to right; patch 2, 12 tokens, 2-channel latents. */
    static final String MIXED = """
            [model]
            latent = 2
            patch = 2
            context = 12
            [[flow]]
            coupling = "rosenblatt"
            direction = "l2r"
            [flow.coupling_options]
            tie_to_encoder = true
            [[flow]]
            coupling = "affine"
            direction = "r2l"
            mixer = "identity"
            [[flow]]
            coupling = "mog"
            direction = "l2r"
            [couplings.mog]
            mixtures = 3
            [backbones.transformer]
            depth = 1
            width = 16
            heads = 2
            [ar]
            embedding = 16
            [ar.backbone_options]
            depth = 1
            [train]
            seed = 11
            """;

    /** The same stack with every layer left to right. */
    static final String LEFT_TO_RIGHT = MIXED.replace("\"r2l\"", "\"l2r\"");

    private TinyLoaded() {}

    static LoadedModel build(String toml, String... overrides) {
        TarflowConfig config = ConfigLoader.parse(toml, "tiny.toml", List.of(overrides));
        Tokenizer text8 = Tokenizer.named("text8");
        return new LoadedModel(
                Path.of("tiny", "last.ckpt"),
                config,
                TinyModels.build(config, text8.vocabSize()).model(),
                text8);
    }

    static TarFlowLM flow(String toml) {
        return (TarFlowLM) build(toml).model();
    }

    /**
     * The model of {@code toml} with every flow layer's parameters perturbed ({@link TinyModels#randomised}, scale
     * 0.2), so that the right-to-left affine layer is not the identity it starts as.
     */
    static TarFlowLM randomFlow(String toml) {
        return TinyModels.randomised(flow(toml), 0.2, 17);
    }

    /** {@link #build} with every flow layer's parameters perturbed as in {@link #randomFlow}. */
    static LoadedModel randomised(String toml, String... overrides) {
        LoadedModel built = build(toml, overrides);
        TinyModels.randomised((TarFlowLM) built.model(), 0.2, 17);
        return built;
    }
}
