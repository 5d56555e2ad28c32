package org.tarflow4j.trainer.sample;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** Results of generation, the multi-pass view and editing as JSON. */
public final class Json {
    private static final Gson LINE = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();
    private static final Gson PRETTY = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping()
            .setPrettyPrinting().create();

    private Json() {}

    /** One line, for JSON-lines output. */
    public static String line(Object value) {
        return LINE.toJson(value);
    }

    public static String pretty(Object value) {
        return PRETTY.toJson(value);
    }
}
