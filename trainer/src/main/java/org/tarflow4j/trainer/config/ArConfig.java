package org.tarflow4j.trainer.config;

import java.util.Map;
import org.tarflow4j.api.Options;

/**
 * {@code [ar]}: the discrete autoregressive baseline ({@code model.kind = "ar"}), built from the same backbone code
 * as the flow layers. Its {@code [ar.backbone_options]} override the shared {@code [backbones.NAME]} table; give it
 * the flow stack's total depth for an equal-size comparison.
 *
 * @param embedding width of the token embeddings fed to the backbone
 */
public record ArConfig(String backbone, int embedding, Map<String, Object> backboneOptions) {
    static ArConfig read(Options o, Map<String, Map<String, Object>> componentTables) {
        return new ArConfig(
                o.getString("backbone", "transformer"),
                o.getInt("embedding", 128, 1, 1 << 16),
                componentTables.getOrDefault(FlowLayerConfig.BACKBONE_OPTIONS, Map.of()));
    }
}
