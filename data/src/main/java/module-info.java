/**
 * Corpora: tokenizers, recipes, memory-mapped token splits with their manifest, and the batches training and
 * evaluation read. Builds no model. Depended on by {@code trainer}, {@code experiments} and {@code cli}.
 */
module org.tarflow4j.data {
    requires transitive org.tarflow4j.core;
    requires com.google.gson;
    requires jtokkit;

    exports org.tarflow4j.data;

    opens org.tarflow4j.data to
            com.google.gson;
}
