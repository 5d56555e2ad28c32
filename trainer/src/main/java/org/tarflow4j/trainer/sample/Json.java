package org.tarflow4j.trainer.sample;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** Results of generation, the multi-pass view and editing as JSON, with snake_case keys like the other JSON tarflow writes. */
public final class Json {
    private static final Gson LINE = builder().create();
    private static final Gson PRETTY = builder().setPrettyPrinting().create();

    private Json() {}

    private static GsonBuilder builder() {
        return new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping()
                .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES);
    }

    /** One line, for JSON-lines output. */
    public static String line(Object value) {
        return LINE.toJson(value);
    }

    public static String pretty(Object value) {
        return PRETTY.toJson(value);
    }
}
