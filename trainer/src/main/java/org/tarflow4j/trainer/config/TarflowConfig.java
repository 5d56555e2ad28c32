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

    /** The configuration as written, with overrides applied, as TOML. */
    public String rawToml() {
        return TomlWriter.write(raw);
    }
}
