package org.tarflow4j.trainer.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.Map;

/** Reports as JSON: one line per object, NaN written as NaN. */
final class Json {
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private Json() {}

    static String line(Map<String, Object> values) {
        return GSON.toJson(values);
    }
}
