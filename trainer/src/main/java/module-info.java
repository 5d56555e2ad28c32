/**
 * The TarFlowLM model and its autoregressive baseline, assembled from plugins through Guice; training, checkpoints,
 * evaluation, sampling, the multi-pass view and editing. {@link org.tarflow4j.trainer.Tarflow} is the facade the
 * command line calls; the model and its assembly are open to {@code experiments} (the benchmarks) only.
 */
module org.tarflow4j.trainer {
    requires transitive org.tarflow4j.core;
    requires transitive org.tarflow4j.data;
    requires org.tarflow4j.tensorboard;
    requires com.google.guice;
    requires jakarta.inject;
    requires com.google.gson;
    requires java.management;
    requires jdk.unsupported;

    exports org.tarflow4j.trainer;
    exports org.tarflow4j.trainer.train;
    exports org.tarflow4j.trainer.distributed;
    exports org.tarflow4j.trainer.checkpoint;
    exports org.tarflow4j.trainer.sample;
    exports org.tarflow4j.trainer.board;
    exports org.tarflow4j.trainer.export;
    exports org.tarflow4j.trainer.model to
            org.tarflow4j.experiments;
    exports org.tarflow4j.trainer.assembly to
            org.tarflow4j.experiments;

    opens org.tarflow4j.trainer.assembly to
            com.google.guice,
            com.google.gson;
    opens org.tarflow4j.trainer.train to
            com.google.gson;
    opens org.tarflow4j.trainer.checkpoint to
            com.google.gson;
    opens org.tarflow4j.trainer.export to
            com.google.gson;
    opens org.tarflow4j.trainer.sample to
            com.google.gson;
}
