/** The {@code tarflow} command line. */
module org.tarflow4j.cli {
    requires org.tarflow4j.trainer;
    requires info.picocli;
    requires me.tongfei.progressbar;

    opens org.tarflow4j.cli to
            info.picocli;
}
