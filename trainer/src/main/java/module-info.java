/** The TarFlowLM model, data, training, evaluation, sampling, checkpoints, plugin runtime and configuration. */
module org.tarflow4j.trainer {
    requires transitive org.tarflow4j.api;
    requires com.google.guice;
    requires jakarta.inject;
    requires toml4j;
    requires com.google.gson;
    requires jtokkit;
    requires org.knowm.xchart;
    requires java.desktop;
    requires java.management;
    requires static com.google.auto.service;

    exports org.tarflow4j.trainer;
    exports org.tarflow4j.trainer.config;
    exports org.tarflow4j.trainer.data;
    exports org.tarflow4j.trainer.plugin;
    exports org.tarflow4j.trainer.inject;
    exports org.tarflow4j.trainer.model;
    exports org.tarflow4j.trainer.train;
    exports org.tarflow4j.trainer.bench;
    exports org.tarflow4j.trainer.sample;
    exports org.tarflow4j.trainer.sweep;

    opens org.tarflow4j.trainer.inject to
            com.google.guice;
    opens org.tarflow4j.trainer.model to
            com.google.guice,
            com.google.gson;
    opens org.tarflow4j.trainer.train to
            com.google.gson;
    opens org.tarflow4j.trainer.sample to
            com.google.gson;
    opens org.tarflow4j.trainer.sweep to
            com.google.gson;

    uses org.tarflow4j.api.CouplingProvider;
    uses org.tarflow4j.api.MixerProvider;
    uses org.tarflow4j.api.BackboneProvider;
}
