package org.tarflow4j.backbone.transformer;

import java.util.List;
import java.util.Map;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.testkit.BackboneCase;
import org.tarflow4j.testkit.BackboneHarness;

/**
 * The transformer backbone through the testkit's backbone harness: causality to 1e-12 and KV-cached stepping to 1e-10
 * in float64 (initial and random parameters), gradients to every parameter (with and without dropout), bf16 autocast,
 * finiteness for inputs in [−50, 50], save/load, and the service declarations. {@link StepperTest} adds long
 * sequences past the cache's growth and float32; {@link PrecisionTest} the dtypes.
 */
class TransformerConformanceTest extends BackboneHarness {
    @Override
    protected List<BackboneCase> cases() {
        TransformerBackboneProvider provider = new TransformerBackboneProvider();
        BackboneContext context = new BackboneContext(Fixtures.CHANNELS, Fixtures.POSITIONS);
        return List.of(
                BackboneCase.of("2 blocks of width 16", provider, context)
                        .withOptions(Map.of("depth", 2L, "width", 16L, "heads", 4L)),
                BackboneCase.of("1 block, one head, dropout 0.1", provider, new BackboneContext(5, 4))
                        .withOptions(Map.of("depth", 1L, "width", 8L, "heads", 1L, "dropout", 0.1)));
    }
}
