package org.tarflow4j.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow4j.core.plugin.ComponentKind;

/**
 * A whole, validated configuration. Component options ({@code [couplings.NAME]}, {@code [backbones.NAME]},
 * {@code [mixers.NAME]} and the per-layer {@code *_options} tables) are kept raw until the components read them,
 * through {@link ComponentOptions}.
 *
 * @param source   the file it came from, or {@code built-in default}
 * @param shared   the shared option tables by kind, then component name ({@code [couplings.mog]})
 * @param raw      the parsed tables after overrides, as written (to store in checkpoints and re-read exactly)
 * @param resolved the sections with every default filled in, for printing
 * @param origins  where values set on the command line came from, by path: {@code flow[0].coupling} → the
 *                 {@code --set} that set it; values not listed came from {@code source}
 * @param notes    what the overrides did that the user should hear of, one line each (options that left with the
 *                 component they belonged to)
 */
public record TarflowConfig(
        String source,
        ModelConfig model,
        List<FlowLayerConfig> flow,
        ArConfig ar,
        DataConfig data,
        TrainConfig train,
        EvalConfig eval,
        SampleConfig sample,
        Map<ComponentKind, Map<String, Map<String, Object>>> shared,
        Map<String, Object> raw,
        Map<String, Object> resolved,
        Map<String, String> origins,
        List<String> notes) {

    /** The per-layer component tables in the order they are written: coupling, backbone, mixer. */
    static final List<String> LAYER_TABLES = List.of(
            ComponentKind.COUPLING.layerTable(), ComponentKind.BACKBONE.layerTable(), ComponentKind.MIXER.layerTable());

    public TarflowConfig {
        origins = Map.copyOf(origins);
        notes = List.copyOf(notes);
    }

    /** Where the value at {@code path} came from: the {@code --set} that set it, or the file. */
    public String sourceOf(String path) {
        return origins.getOrDefault(path, source);
    }

    /** The origins of the values under {@code prefix} ({@code train}, {@code flow[0]}), by their path below it. */
    public Map<String, String> originsUnder(String prefix) {
        return under(origins, prefix);
    }

    static Map<String, String> under(Map<String, String> origins, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        origins.forEach((path, origin) -> {
            if (path.startsWith(prefix + ".")) out.put(path.substring(prefix.length() + 1), origin);
        });
        return out;
    }

    /** The shared option tables of one kind, by component name. */
    public Map<String, Map<String, Object>> shared(ComponentKind kind) {
        return shared.getOrDefault(kind, Map.of());
    }

    /** The resolved configuration as TOML that {@link ConfigLoader} reads back to an equal configuration. */
    public String toToml() {
        return TomlWriter.write(resolved);
    }

    /**
     * The resolved configuration with every component's options, as the components read them (defaults included),
     * written into the layer tables ({@code [flow.coupling_options]} and the like).
     *
     * @param componentOptions options by {@code owner.kind_options}, e.g. {@code flow[1].coupling_options}
     */
    public String toToml(Map<String, Map<String, Object>> componentOptions) {
        Map<String, Object> out = new LinkedHashMap<>(resolved);
        List<Map<String, Object>> layers = new ArrayList<>();
        for (FlowLayerConfig l : flow)
            layers.add(withComponents(
                    table(((List<?>) resolved.get("flow")).get(l.index())), l.label(), componentOptions));
        if (!layers.isEmpty()) out.put("flow", layers);
        out.put("ar", withComponents(table(resolved.get("ar")), ArConfig.LABEL, componentOptions));
        return TomlWriter.write(out);
    }

    /** A table's own keys, then its component tables in a fixed order, resolved ones replacing the written ones. */
    private static Map<String, Object> withComponents(
            Map<String, Object> table, String owner, Map<String, Map<String, Object>> resolved) {
        List<String> kinds = LAYER_TABLES;
        Map<String, Object> out = new LinkedHashMap<>();
        table.forEach((k, v) -> {
            if (!kinds.contains(k)) out.put(k, v);
        });
        for (String kind : kinds) {
            Object options =
                    resolved.containsKey(owner + "." + kind) ? resolved.get(owner + "." + kind) : table.get(kind);
            if (options instanceof Map<?, ?> m && !m.isEmpty()) out.put(kind, options);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> table(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    /** The configuration as written, with overrides applied, as TOML. */
    public String rawToml() {
        return TomlWriter.write(raw);
    }
}
