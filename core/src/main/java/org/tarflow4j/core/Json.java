package org.tarflow4j.core;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON tarflow reports in (results, metrics, evaluations, samples, benchmarks): snake_case keys, NaN written as NaN. */
public final class Json {
    private static final Gson LINE = builder().create();
    private static final Gson PRETTY = builder().setPrettyPrinting().create();

    private Json() {}

    private static GsonBuilder builder() {
        return new GsonBuilder()
                .serializeSpecialFloatingPointValues()
                .disableHtmlEscaping()
                .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES);
    }

    /** One line, for JSON-lines output. */
    public static String line(Object value) {
        return LINE.toJson(value);
    }

    public static String pretty(Object value) {
        return PRETTY.toJson(value);
    }

    /** An object of {@code key, value, key, value, …} in that order. */
    public static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }
}
