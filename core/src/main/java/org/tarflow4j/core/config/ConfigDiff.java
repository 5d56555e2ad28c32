package org.tarflow4j.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The keys in which two configurations differ, with defaults filled in, as {@code --set} paths: {@code train.steps},
 * {@code flow[1].coupling}, {@code backbones.transformer.width}.
 */
public final class ConfigDiff {
    /** One differing key; a value is null where the key is absent (its component's default applies). */
    public record Change(String key, Object before, Object after) {
        @Override
        public String toString() {
            return key + ": " + show(before) + " -> " + show(after);
        }

        private static String show(Object v) {
            return v == null ? "(not set)" : v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
        }
    }

    private ConfigDiff() {}

    /** The changes from {@code before} to {@code after}, in the order of the tables. */
    public static List<Change> between(TarflowConfig before, TarflowConfig after) {
        Map<String, Object> a = new LinkedHashMap<>();
        Map<String, Object> b = new LinkedHashMap<>();
        flatten("", before.resolved(), a);
        flatten("", after.resolved(), b);
        Set<String> keys = new LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        List<Change> out = new ArrayList<>();
        for (String k : keys) if (!Objects.equals(a.get(k), b.get(k))) out.add(new Change(k, a.get(k), b.get(k)));
        return out;
    }

    /** {@code key: before -> after, …} for messages. */
    public static String describe(List<Change> changes) {
        return changes.stream().map(Change::toString).collect(Collectors.joining(", "));
    }

    private static void flatten(String prefix, Object value, Map<String, Object> out) {
        if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> flatten(prefix.isEmpty() ? k.toString() : prefix + "." + k, v, out));
        } else if (value instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(e -> e instanceof Map<?, ?>)) {
            for (int i = 0; i < l.size(); i++) flatten(prefix + "[" + i + "]", l.get(i), out);
            out.put(prefix + " layers", l.size());
        } else {
            out.put(prefix, value);
        }
    }
}
