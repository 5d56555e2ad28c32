package org.tarflow4j.backbone.transformer;

import com.google.auto.service.AutoService;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.api.Options;

/** {@code backbone = "transformer"}: options depth, width, heads, mlp_ratio, dropout. */
@AutoService(BackboneProvider.class)
public final class TransformerBackboneProvider implements BackboneProvider {
    @Override
    public String name() {
        return "transformer";
    }

    @Override
    public String version() {
        return "1.1.0";
    }

    @Override
    public String requires() {
        return "^1.2";
    }

    @Override
    public String description() {
        return "Causal pre-LN transformer over the layer's input prefix; KV-cached stepping for sampling";
    }

    @Override
    public Backbone create(Options options, BackboneContext context) {
        return new TransformerBackbone(TransformerConfig.read(options), context);
    }
}
