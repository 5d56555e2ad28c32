import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.backbone.transformer.TransformerBackboneProvider;

/** The causal pre-LN transformer backbone, with a KV cache for stepping. */
module org.tarflow4j.backbone.transformer {
    requires org.tarflow4j.api;
    requires static com.google.auto.service;

    provides BackboneProvider with
            TransformerBackboneProvider;
}
