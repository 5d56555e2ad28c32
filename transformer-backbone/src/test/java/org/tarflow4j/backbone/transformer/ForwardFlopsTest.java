package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.Options;

/** The analytic FLOP count of a tiny transformer backbone, worked out by hand; and which parameters decay. */
class ForwardFlopsTest {
    private static Backbone tiny() {
        Options options = Options.of("backbones.transformer", "test", Map.of("depth", 1L, "width", 16L, "heads", 2L));
        return new TransformerBackboneProvider().create(options, new BackboneContext(3, 16));
    }

    @Test
    void countsLinearWeightsAndAttention() {
        try (PointerScope s = new PointerScope()) {
            // input projection 3·16, qkv 16·48, proj 16·16, fc1 16·64, fc2 64·16 (mlp_ratio 4) = 3120 weights; biases,
            // norms and the position embedding are not matmul weights. 2·3120·16 + 4·16²·16·1, exact in double.
            assertEquals(99_840 + 16_384, tiny().forwardFlops(16), 0.0);
        }
    }

    @Test
    void positionEmbeddingAndVectorsDoNotDecay() {
        try (PointerScope s = new PointerScope()) {
            Backbone backbone = tiny();
            var named = backbone.module().named_parameters();
            int decayed = 0;
            for (long i = 0; i < named.size(); i++) {
                String name = named.get(i).key().getString();
                Tensor p = named.get(i).value();
                boolean decays = backbone.decays(name, p);
                if (name.equals("position_embedding") || p.dim() < 2) assertFalse(decays, name);
                else assertTrue(decays, name);
                if (decays) decayed++;
            }
            assertEquals(5, decayed, "input projection, qkv, proj, fc1, fc2");
        }
    }
}
