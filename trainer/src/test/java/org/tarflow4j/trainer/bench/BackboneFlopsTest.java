package org.tarflow4j.trainer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.api.Options;
import org.tarflow4j.trainer.plugin.ComponentKind;
import org.tarflow4j.trainer.plugin.PluginRegistry;

/** The analytic FLOP count of a tiny transformer backbone, worked out by hand. */
class BackboneFlopsTest {
    @Test
    void countsLinearWeightsAndAttention() {
        try (PointerScope s = new PointerScope()) {
            BackboneProvider provider = PluginRegistry.host().provider(ComponentKind.BACKBONE, "transformer");
            Options options =
                    Options.of("backbones.transformer", "test", Map.of("depth", 1L, "width", 16L, "heads", 2L));
            Backbone backbone = provider.create(options, new BackboneContext(3, 16));
            BackboneFlops flops = BackboneFlops.of(backbone, options.resolved(), 16);
            // input projection 3·16, qkv 16·48, proj 16·16, fc1 16·64, fc2 64·16 (mlp_ratio 4); biases, norms and the
            // position embedding are not matmul weights.
            assertEquals(48 + 768 + 256 + 1024 + 1024, flops.linearParameters());
            assertEquals(1, flops.attentionBlocks());
            // 2·3120·16 + 4·16²·16·1, exact in double
            assertEquals(99_840 + 16_384, flops.forwardPerSequence(), 0.0);
            assertEquals(3.0 * 116_224 * 5, flops.training(5), 0.0);
        }
    }
}
