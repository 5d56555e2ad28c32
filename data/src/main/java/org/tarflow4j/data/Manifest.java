package org.tarflow4j.data;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.TarflowException;

/**
 * {@code manifest.json}, the small description next to a corpus's token files: what it was prepared from (files,
 * sizes, SHA-256), how (tokenizer, preparation, split rule) and what came out (token and document counts). Integers
 * are {@code Long}, objects insertion-ordered maps, arrays lists.
 */
final class Manifest {
    static final String FILE = "manifest.json";
    static final int FORMAT = 1;
    static final List<String> SPLITS = List.of("train", "valid", "test");
    /** Where Gson says a syntax error is. */
    private static final Pattern WHERE = Pattern.compile("line (\\d+) column (\\d+)");

    private final Path dir;
    private final Map<String, Object> values;

    Manifest(Path dir, Map<String, Object> values) {
        this.dir = dir;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** The manifest in {@code dir}, or null when the directory has none. */
    static Manifest readIfPresent(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return null;
        try {
            JsonElement json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!json.isJsonObject()) throw new JsonParseException("not a JSON object");
            @SuppressWarnings("unchecked")
            Map<String, Object> values = (Map<String, Object>) Json.plain(json);
            return new Manifest(dir, values);
        } catch (JsonParseException e) {
            Matcher at = WHERE.matcher(String.valueOf(e.getMessage()));
            throw new TarflowException(
                    file + " is not valid JSON"
                            + (at.find() ? " (at line " + at.group(1) + ", column " + at.group(2) + ")" : "")
                            + ": the description of the corpus in " + dir
                            + " is damaged; prepare the corpus again with `tarflow data ... --out " + dir
                            + "` (or restore manifest.json)",
                    e);
        } catch (IOException e) {
            throw new TarflowException("cannot read " + file + ": " + e.getMessage() + "; prepare the corpus again", e);
        }
    }

    /** Writes the manifest atomically (a reader sees the old one or the new one). */
    void write() throws IOException {
        AtomicFiles.write(
                dir.resolve(FILE),
                new GsonBuilder()
                                .setPrettyPrinting()
                                .disableHtmlEscaping()
                                .create()
                                .toJson(values) + "\n");
    }

    Map<String, Object> values() {
        return values;
    }

    /** The values without what this machine caches in the manifest ({@link TokenIds}): what the corpus is. */
    Map<String, Object> description() {
        if (!(values.get("splits") instanceof Map<?, ?> splits)) return values;
        Map<String, Object> out = new LinkedHashMap<>(values);
        Map<String, Object> plainSplits = new LinkedHashMap<>();
        splits.forEach((name, split) -> {
            if (split instanceof Map<?, ?> m) {
                Map<String, Object> copy = new LinkedHashMap<>();
                m.forEach((k, v) -> {
                    if (!TokenIds.KEY.equals(k)) copy.put(k.toString(), v);
                });
                plainSplits.put(name.toString(), copy);
            } else {
                plainSplits.put(name.toString(), split);
            }
        });
        out.put("splits", plainSplits);
        return Collections.unmodifiableMap(out);
    }

    String string(String key) {
        Object v = values.get(key);
        if (v instanceof String s) return s;
        throw damaged(key);
    }

    long number(String key) {
        Object v = values.get(key);
        if (v instanceof Long l) return l;
        throw damaged(key);
    }

    List<Source> sources() {
        if (!(values.get("sources") instanceof List<?> list)) throw damaged("sources");
        List<Source> sources = new ArrayList<>();
        try {
            for (Object o : list) sources.add(Source.fromJson((Map<?, ?>) o));
        } catch (ClassCastException | NullPointerException e) {
            throw damaged("sources");
        }
        return sources;
    }

    /** The tokens of a split. */
    long tokens(String split) {
        if (values.get("splits") instanceof Map<?, ?> splits
                && splits.get(split) instanceof Map<?, ?> s
                && s.get("tokens") instanceof Long tokens) return tokens;
        throw damaged("splits." + split + ".tokens");
    }

    private TarflowException damaged(String key) {
        return new TarflowException(dir.resolve(FILE) + " has no valid \"" + key + "\"; prepare the corpus again");
    }
}
