/**
 * What researchers run around training: ablation sweeps (plans, runs in separate processes, tables, PNG plots and the
 * TensorBoard HParams experiment), learning-curve plots of any runs, and the benchmarks that state speed targets as
 * ratios measured in one process. Brings AWT (plots) and process spawning; only the command line depends on it.
 */
module org.tarflow4j.experiments {
    requires transitive org.tarflow4j.trainer;
    requires org.tarflow4j.tensorboard;
    requires toml4j;
    requires com.google.gson;
    requires org.knowm.xchart;
    requires java.desktop;
    requires java.management;

    exports org.tarflow4j.experiments.bench;
    exports org.tarflow4j.experiments.plot;
    exports org.tarflow4j.experiments.sweep;

    opens org.tarflow4j.experiments.sweep to
            com.google.gson;
}
