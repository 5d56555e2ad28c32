package org.tarflow4j.backbone.transformer;

import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.Options;

/** Tiny backbones and inputs for tests. Build modules outside pointer scopes. */
final class Fixtures {
    static final int CHANNELS = 3;
    static final int POSITIONS = 12;

    private Fixtures() {}

    static TransformerBackbone tiny(long seed) {
        return create(seed, Map.of("depth", 2L, "width", 16L, "heads", 4L), POSITIONS);
    }

    static TransformerBackbone create(long seed, Map<String, ?> options, int positions) {
        torch.manual_seed(seed);
        Options o = Options.of("backbones.transformer", "test", options);
        TransformerBackbone backbone = (TransformerBackbone)
                new TransformerBackboneProvider().create(o, new BackboneContext(CHANNELS, positions));
        o.requireAllRead();
        return backbone;
    }

    static TransformerBackbone tinyDouble(long seed) {
        TransformerBackbone backbone = tiny(seed);
        backbone.to(torch.ScalarType.Double, false);
        return backbone;
    }

    /** Seeded standard normal {@code [b, t, CHANNELS]} in float64. */
    static Tensor input(long seed, long b, long t) {
        torch.manual_seed(seed);
        return torch.randn(b, t, CHANNELS).to(torch.ScalarType.Double);
    }

    static double maxAbs(Tensor a) {
        return a.abs().max().item_double();
    }
}
