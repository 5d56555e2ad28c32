package org.tarflow4j.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Writes nested maps as TOML 0.4 (tables, arrays of tables, inline arrays), which TOML4J reads back. */
final class TomlWriter {
    private TomlWriter() {}

    static String write(Map<String, Object> root) {
        StringBuilder out = new StringBuilder();
        scalars(out, root);
        tables(out, "", root);
        return out.toString().stripLeading();
    }

    private static void tables(StringBuilder out, String prefix, Map<String, Object> map) {
        map.forEach((k, v) -> {
            String name = prefix.isEmpty() ? key(k) : prefix + "." + key(k);
            if (v instanceof Map<?, ?> m) {
                Map<String, Object> table = cast(m);
                if (hasScalars(table) || table.isEmpty())
                    out.append("\n[").append(name).append("]\n");
                scalars(out, table);
                tables(out, name, table);
            } else if (isTableArray(v)) {
                for (Object e : (List<?>) v) {
                    out.append("\n[[").append(name).append("]]\n");
                    scalars(out, cast((Map<?, ?>) e));
                    tables(out, name, cast((Map<?, ?>) e));
                }
            }
        });
    }

    private static void scalars(StringBuilder out, Map<String, Object> map) {
        map.forEach((k, v) -> {
            if (!(v instanceof Map<?, ?>) && !isTableArray(v))
                out.append(key(k)).append(" = ").append(value(v)).append('\n');
        });
    }

    private static boolean hasScalars(Map<String, Object> map) {
        return map.values().stream().anyMatch(v -> !(v instanceof Map<?, ?>) && !isTableArray(v));
    }

    private static boolean isTableArray(Object v) {
        return v instanceof List<?> l && !l.isEmpty() && l.stream().allMatch(e -> e instanceof Map<?, ?>);
    }

    static String value(Object v) {
        if (v instanceof String s) return quote(s);
        if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) throw new IllegalArgumentException("TOML 0.4 has no " + d);
            return d.toString().replace('E', 'e');
        }
        if (v instanceof Float f) return value(f.doubleValue());
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object e : l) parts.add(value(e));
            return "[" + String.join(", ", parts) + "]";
        }
        return String.valueOf(v);
    }

    private static String key(String k) {
        return k.matches("[A-Za-z0-9_-]+") ? k : quote(k);
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
