package org.tarflow4j.core.config;

import java.nio.file.Path;
import org.tarflow4j.api.Options;

/**
 * {@code [data]}: the corpus.
 *
 * @param source {@code europarl} (the embedded default corpus) or the directory of a corpus prepared with
 *               {@code tarflow data}
 * @param cache  where the embedded corpus is prepared on first use; a leading {@code ~/} is the home directory
 */
public record DataConfig(String source, String cache) {
    public static final String DEFAULT_CACHE = "~/.cache/tarflow4j";

    public DataConfig(String source) {
        this(source, DEFAULT_CACHE);
    }

    static DataConfig read(Options o) {
        return new DataConfig(o.getString("source", "europarl"), o.getString("cache", DEFAULT_CACHE));
    }

    /** {@link #cache} as a path, {@code ~/} expanded. */
    public Path cacheDirectory() {
        if (cache.equals("~") || cache.startsWith("~/"))
            return Path.of(System.getProperty("user.home"), cache.substring(1).replaceFirst("^/", ""));
        return Path.of(cache);
    }
}
