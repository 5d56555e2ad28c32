package org.tarflow4j.trainer.config;

import java.util.Map;
import org.tarflow4j.api.Options;

/**
 * One {@code [[flow]]} entry: its components by registry name, its direction, and per-layer component options
 * ({@code [flow.coupling_options]} and the like), which override the shared {@code [couplings.NAME]} tables.
 * Component options stay raw here: the component that reads them checks them.
 *
 * @param index     position in the stack, 0 = the layer next to the data
 * @param direction {@code l2r} or {@code r2l}
 */
public record FlowLayerConfig(
        int index,
        String coupling,
        String backbone,
        String mixer,
        String direction,
        Map<String, Object> couplingOptions,
        Map<String, Object> backboneOptions,
        Map<String, Object> mixerOptions) {
    /** The per-layer component tables, by the component kind they configure. */
    static final String COUPLING_OPTIONS = "coupling_options";

    static final String BACKBONE_OPTIONS = "backbone_options";
    static final String MIXER_OPTIONS = "mixer_options";

    static FlowLayerConfig read(int index, Options o, Map<String, Map<String, Object>> componentTables) {
        return new FlowLayerConfig(
                index,
                o.getString("coupling", "mog"),
                o.getString("backbone", "transformer"),
                o.getString("mixer", "even-odd"),
                o.getChoice("direction", index % 2 == 0 ? "l2r" : "r2l", "l2r", "r2l"),
                componentTables.getOrDefault(COUPLING_OPTIONS, Map.of()),
                componentTables.getOrDefault(BACKBONE_OPTIONS, Map.of()),
                componentTables.getOrDefault(MIXER_OPTIONS, Map.of()));
    }

    public boolean leftToRight() {
        return direction.equals("l2r");
    }

    /** How this layer is written in messages and overrides: {@code flow[2]}. */
    public String label() {
        return "flow[" + index + "]";
    }
}
