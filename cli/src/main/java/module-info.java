/** The {@code tarflow} command line: parses, then calls the trainer's facade and the experiments. */
module org.tarflow4j.cli {
    requires org.tarflow4j.trainer;
    requires org.tarflow4j.experiments;
    requires info.picocli;
    requires me.tongfei.progressbar;

    opens org.tarflow4j.cli to
            info.picocli;
}
