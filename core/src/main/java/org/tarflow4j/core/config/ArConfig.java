package org.tarflow4j.core.config;

import java.util.Map;
import org.tarflow4j.api.Options;
import org.tarflow4j.core.plugin.ComponentKind;

/**
 * {@code [ar]}: the discrete autoregressive baseline ({@code model.kind = "ar"}), built from the same backbone code
 * as the flow layers. Its {@code [ar.backbone_options]} override the shared {@code [backbones.NAME]} table; give it
 * the flow stack's total depth for an equal-size comparison.
 *
 * @param embedding width of the token embeddings fed to the backbone
 */
public record ArConfig(ComponentChoice backbone, int embedding) {
    static ArConfig read(Options o, Map<String, Map<String, Object>> componentTables) {
        return new ArConfig(
                FlowLayerConfig.choice(
                        ComponentKind.BACKBONE,
                        o.getString("backbone", defaultName(ComponentKind.BACKBONE)),
                        componentTables),
                o.getInt("embedding", 128, 1, 1 << 16));
    }

    /** The backbone the baseline uses when it names none: {@code transformer}. */
    static String defaultName(ComponentKind kind) {
        return FlowLayerConfig.defaultName(kind);
    }

    /** How the baseline is written in messages and overrides. */
    public static final String LABEL = "ar";
}
