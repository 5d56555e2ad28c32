package org.tarflow4j.core.config;

import com.moandjiezana.toml.Toml;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command-line override {@code --set PATH=VALUE}: {@code train.steps=500}, {@code couplings.mog.mixtures=8},
 * {@code flow[2].coupling=mog} (layers count from 0) or {@code flow[*].coupling=mog} (every layer). The value is read
 * as a TOML value ({@code 500}, {@code 3e-4}, {@code true}, {@code [2, 2, 8]}, {@code "text"}); anything that is not
 * one is taken as a string, so {@code flow[0].coupling=mog} needs no quotes. The result is validated like the file.
 */
public record ConfigOverride(String text, List<Segment> path, Object value) {
    private static final Pattern SEGMENT = Pattern.compile("([A-Za-z0-9_-]+)(?:\\[(\\d+|\\*)])?");

    /** A key, optionally indexing into an array of tables ({@code index} -1 for none, -2 for {@code [*]}). */
    record Segment(String key, int index) {}

    public static ConfigOverride parse(String text) {
        int eq = text.indexOf('=');
        if (eq <= 0)
            throw new ConfigException("--set '" + text
                    + "': expected KEY=VALUE, e.g. --set train.steps=500 or --set flow[1].coupling=mog");
        List<Segment> path = new ArrayList<>();
        for (String part : text.substring(0, eq).trim().split("\\.", -1)) {
            Matcher m = SEGMENT.matcher(part);
            if (!m.matches())
                throw new ConfigException(
                        "--set '" + text + "': '" + part + "' is not a key; keys are letters, digits, '_' and '-',"
                                + " optionally with an index as in flow[2] or flow[*]");
            path.add(new Segment(
                    m.group(1), m.group(2) == null ? -1 : m.group(2).equals("*") ? -2 : Integer.parseInt(m.group(2))));
        }
        if (path.size() < 2)
            throw new ConfigException("--set '" + text + "': name the table and the key, e.g. train.steps=500");
        if (path.get(path.size() - 1).index() != -1)
            throw new ConfigException("--set '" + text + "': the last part must be a key, not an indexed table");
        String value = text.substring(eq + 1).trim();
        if (value.isEmpty())
            throw new ConfigException("--set '" + text + "': no value after '='; give one, e.g. --set "
                    + text.substring(0, eq).trim() + "=VALUE (to keep the file's value, leave the --set out)");
        return new ConfigOverride(text, path, value(value));
    }

    private static Object value(String text) {
        Object v;
        try {
            v = new Toml().read("v = " + text).toMap().get("v");
        } catch (RuntimeException e) {
            return text;
        }
        return v == null ? text : ConfigLoader.mutableValue(v);
    }

    /** The top-level table this override changes. */
    public String section() {
        return path.get(0).key();
    }

    void apply(Map<String, Object> root) {
        apply(root, 0);
    }

    private void apply(Map<String, Object> map, int depth) {
        Segment s = path.get(depth);
        if (depth == path.size() - 1) {
            if (map.get(s.key()) instanceof Map<?, ?>)
                throw new ConfigException(
                        "--set '" + text + "': " + s.key() + " is a table; set one of its keys instead");
            map.put(s.key(), value);
            return;
        }
        Object next = map.get(s.key());
        if (s.index() == -1) {
            if (next == null) map.put(s.key(), next = new LinkedHashMap<String, Object>());
            if (!(next instanceof Map<?, ?>))
                throw new ConfigException("--set '" + text + "': " + s.key() + " is "
                        + (next instanceof List<?>
                                ? "an array of tables; index it, as in " + s.key() + "[0]"
                                : "a value, not a table"));
            apply(cast(next), depth + 1);
            return;
        }
        if (!(next instanceof List<?> list) || list.stream().anyMatch(e -> !(e instanceof Map<?, ?>)))
            throw new ConfigException(
                    "--set '" + text + "': the config has no [[" + s.key() + "]] array of tables to index");
        if (s.index() == -2) {
            for (Object e : list) apply(cast(e), depth + 1);
        } else if (s.index() < list.size()) {
            apply(cast(list.get(s.index())), depth + 1);
        } else {
            throw new ConfigException("--set '" + text + "': the config has " + list.size() + " [[" + s.key()
                    + "]] tables (" + s.key() + "[0] to " + s.key() + "[" + (list.size() - 1) + "])");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }
}
