package org.tarflow4j.trainer.config;

import java.util.List;
import java.util.Map;

/**
 * A whole, validated configuration. Component options ({@code [couplings.NAME]}, {@code [backbones.NAME]},
 * {@code [mixers.NAME]} and the per-layer {@code *_options} tables) are kept raw until the components read them,
 * through {@link ComponentOptions}.
 *
 * @param source   the file it came from, or {@code built-in default}
 * @param raw      the parsed tables after overrides, as written (to store in checkpoints and re-read exactly)
 * @param resolved the sections with every default filled in, for printing
 */
public record TarflowConfig(String source, ModelConfig model, List<FlowLayerConfig> flow, ArConfig ar, DataConfig data,
                            TrainConfig train, EvalConfig eval, SampleConfig sample,
                            Map<String, Map<String, Object>> couplingDefaults,
                            Map<String, Map<String, Object>> backboneDefaults,
                            Map<String, Map<String, Object>> mixerDefaults,
                            Map<String, Object> raw, Map<String, Object> resolved) {

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
        Map<String, Object> out = new java.util.LinkedHashMap<>(resolved);
        List<Map<String, Object>> layers = new java.util.ArrayList<>();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> flowTables = (List<Map<String, Object>>) resolved.getOrDefault("flow", List.of());
        for (Map<String, Object> l : flowTables) layers.add(new java.util.LinkedHashMap<>(l));
        componentOptions.forEach((key, options) -> {
            int dot = key.indexOf('.');
            String owner = key.substring(0, dot);
            String table = key.substring(dot + 1);
            Map<String, Object> target;
            if (owner.startsWith("flow[")) {
                target = layers.get(Integer.parseInt(owner.substring(5, owner.length() - 1)));
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> section = new java.util.LinkedHashMap<>((Map<String, Object>) out.getOrDefault(owner, Map.of()));
                out.put(owner, section);
                target = section;
            }
            if (!options.isEmpty()) target.put(table, options);
        });
        if (!layers.isEmpty()) out.put("flow", layers);
        return TomlWriter.write(out);
    }

    /** The configuration as written, with overrides applied, as TOML. */
    public String rawToml() {
        return TomlWriter.write(raw);
    }
}
