package org.tarflow4j.trainer.config;

import org.tarflow4j.api.Options;

/**
 * {@code [data]}: the corpus.
 *
 * @param source {@code europarl} (the embedded default corpus) or the directory of a corpus prepared with
 *               {@code tarflow data}
 */
public record DataConfig(String source) {
    static DataConfig read(Options o) {
        return new DataConfig(o.getString("source", "europarl"));
    }
}
