package org.tarflow4j.core.config;

import java.util.Map;
import org.tarflow4j.api.Options;
import org.tarflow4j.core.plugin.ComponentKind;

/**
 * One {@code [[flow]]} entry: its coupling, backbone and mixer by registry name with the layer's own options for each,
 * and its direction.
 *
 * @param index     position in the stack, 0 = the layer next to the data
 * @param direction {@code l2r} or {@code r2l}
 */
public record FlowLayerConfig(
        int index, String direction, ComponentChoice coupling, ComponentChoice backbone, ComponentChoice mixer) {

    static FlowLayerConfig read(int index, Options o, Map<String, Map<String, Object>> layerTables) {
        ComponentChoice coupling = choice(ComponentKind.COUPLING, o, layerTables);
        ComponentChoice backbone = choice(ComponentKind.BACKBONE, o, layerTables);
        ComponentChoice mixer = choice(ComponentKind.MIXER, o, layerTables);
        String direction = o.getChoice("direction", index % 2 == 0 ? "l2r" : "r2l", "l2r", "r2l");
        return new FlowLayerConfig(index, direction, coupling, backbone, mixer);
    }

    /** The component a layer uses when it names none: {@code mog}, {@code transformer}, {@code even-odd}. */
    static String defaultName(ComponentKind kind) {
        return switch (kind) {
            case COUPLING -> "mog";
            case BACKBONE -> "transformer";
            case MIXER -> "even-odd";
        };
    }

    private static ComponentChoice choice(ComponentKind kind, Options o, Map<String, Map<String, Object>> layerTables) {
        return choice(kind, o.getString(kind.label(), defaultName(kind)), layerTables);
    }

    static ComponentChoice choice(ComponentKind kind, String name, Map<String, Map<String, Object>> layerTables) {
        return new ComponentChoice(kind, name, layerTables.getOrDefault(kind.layerTable(), Map.of()));
    }

    public boolean leftToRight() {
        return direction.equals("l2r");
    }

    /** How this layer is written in messages and overrides: {@code flow[2]}. */
    public String label() {
        return "flow[" + index + "]";
    }
}
