/**
 * What every host module shares and no plugin sees: the user-error type, the one JSON style of reports, atomic files,
 * how bounds are reported ({@code Metric}), the strict TOML configuration ({@code config}) and the plugin registry with
 * its per-jar module layers ({@code plugin}). Uses no libtorch. Depended on by {@code data}, {@code trainer},
 * {@code experiments} and {@code cli}.
 */
module org.tarflow4j.core {
    requires transitive org.tarflow4j.api;
    requires toml4j;
    requires com.google.gson;

    exports org.tarflow4j.core;
    exports org.tarflow4j.core.config;
    exports org.tarflow4j.core.plugin;

    opens org.tarflow4j.core.plugin to
            com.google.gson;

    uses org.tarflow4j.api.CouplingProvider;
    uses org.tarflow4j.api.MixerProvider;
    uses org.tarflow4j.api.BackboneProvider;
}
