package org.tarflow4j.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A typed, read-tracking view of one configuration table. Every getter takes the default that applies when the
 * key is absent and records the value it returned, so that {@link #unread()} lists the keys nobody asked for
 * (reported as unknown) and {@link #resolved()} shows the table with its defaults filled in.
 *
 * <p>Values are what a TOML parser yields: {@code Long}, {@code Double}, {@code Boolean}, {@code String},
 * {@code List} and nested {@code Map} tables.
 */
public final class Options {
    private final String table;
    private final String source;
    private final Map<String, String> sources;
    private final Map<String, Object> values;
    private final Map<String, Object> resolved = new LinkedHashMap<>();
    private final Map<String, Options> children = new LinkedHashMap<>();

    private Options(String table, String source, Map<String, ?> values, Map<String, String> sources) {
        this.table = table;
        this.source = source;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.sources = Map.copyOf(sources);
    }

    /**
     * @param table  the table's name as the user writes it, e.g. {@code "couplings.mog"}
     * @param source where the values came from, e.g. a file name
     */
    public static Options of(String table, String source, Map<String, ?> values) {
        return new Options(table, source, values, Map.of());
    }

    /**
     * Options whose values did not all come from one place: {@code sources} names, for some keys ({@code "mixtures"},
     * or {@code "inner.a"} for a key of a nested table), where their value came from instead of {@code source}, e.g.
     * the command-line override {@code "--set couplings.mog.mixtures=0"}. Messages about a key name its own source.
     *
     * @since API 1.2.0
     */
    public static Options of(String table, String source, Map<String, ?> values, Map<String, String> sources) {
        return new Options(table, source, values, sources);
    }

    public static Options empty(String table) {
        return new Options(table, "defaults", Map.of(), Map.of());
    }

    public String table() {
        return table;
    }

    public String source() {
        return source;
    }

    /** Where the value of {@code key} came from: its own source if one was given, else the table's. */
    public String sourceOf(String key) {
        return sources.getOrDefault(key, source);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public Set<String> keys() {
        return values.keySet();
    }

    public int getInt(String key, int defaultValue) {
        long v = getLong(key, defaultValue);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw invalid(key, "is out of the integer range");
        resolved.put(key, v);
        return (int) v;
    }

    public long getLong(String key, long defaultValue) {
        return record(key, defaultValue, Long.class, "an integer");
    }

    public double getDouble(String key, double defaultValue) {
        Object v = values.get(key);
        if (v instanceof Long l) {
            resolved.put(key, l.doubleValue());
            return l.doubleValue();
        }
        return record(key, defaultValue, Double.class, "a number");
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        return record(key, defaultValue, Boolean.class, "true or false");
    }

    public String getString(String key, String defaultValue) {
        return record(key, defaultValue, String.class, "a string");
    }

    /** A string that must be one of {@code allowed}. */
    public String getChoice(String key, String defaultValue, String... allowed) {
        String v = getString(key, defaultValue);
        if (!List.of(allowed).contains(v))
            throw invalid(key, "is \"" + v + "\", expected one of " + String.join(", ", allowed));
        return v;
    }

    /** An integer that must lie in {@code [min, max]}. */
    public int getInt(String key, int defaultValue, int min, int max) {
        int v = getInt(key, defaultValue);
        if (v < min || v > max) throw invalid(key, "is " + v + ", expected a value in [" + min + ", " + max + "]");
        return v;
    }

    /** A number that must lie in {@code [min, max]}. */
    public double getDouble(String key, double defaultValue, double min, double max) {
        double v = getDouble(key, defaultValue);
        if (!(v >= min && v <= max)) throw invalid(key, "is " + v + ", expected a value in [" + min + ", " + max + "]");
        return v;
    }

    /** A list of integers, e.g. {@code depths = [2, 2, 8]}. */
    public List<Integer> getIntList(String key, List<Integer> defaultValue) {
        Object v = values.get(key);
        if (v == null) {
            resolved.put(key, defaultValue);
            return defaultValue;
        }
        if (!(v instanceof List<?> list)) throw wrongType(key, "a list of integers", v);
        List<Integer> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Long l)) throw wrongType(key, "a list of integers", v);
            out.add(Math.toIntExact(l));
        }
        resolved.put(key, out);
        return List.copyOf(out);
    }

    /** A nested table; absent means empty. Its unread keys count as unread here. */
    public Options getTable(String key) {
        Options child = children.get(key);
        if (child != null) return child;
        Object v = values.get(key);
        if (v != null && !(v instanceof Map<?, ?>)) throw wrongType(key, "a table", v);
        @SuppressWarnings("unchecked")
        Map<String, ?> map = v == null ? Map.of() : (Map<String, ?>) v;
        Map<String, String> nested = new LinkedHashMap<>();
        sources.forEach((k, origin) -> {
            if (k.startsWith(key + ".")) nested.put(k.substring(key.length() + 1), origin);
        });
        child = new Options(table + "." + key, sourceOf(key), map, nested);
        children.put(key, child);
        return child;
    }

    /** Keys present but never read, nested ones as {@code table.key}, in a stable order. */
    public Set<String> unread() {
        Set<String> out = new TreeSet<>();
        for (String k : values.keySet()) if (!resolved.containsKey(k) && !children.containsKey(k)) out.add(k);
        children.forEach((k, c) -> c.unread().forEach(u -> out.add(k + "." + u)));
        return out;
    }

    /** Fails with one message naming every unread key, the table and the source. */
    public void requireAllRead() {
        Set<String> unread = unread();
        if (unread.isEmpty()) return;
        Set<String> known = new LinkedHashSet<>(resolved.keySet());
        known.addAll(children.keySet());
        throw new OptionException(
                (unread.size() == 1 ? "unknown key '" : "unknown keys '") + String.join("', '", unread)
                        + "' in [" + table + "] (" + sourcesOf(unread) + "); known keys here: "
                        + (known.isEmpty() ? "none" : String.join(", ", known)) + ". Remove or rename it.");
    }

    /** The values read, with defaults filled in, nested tables as maps; in the order they were read. */
    public Map<String, Object> resolved() {
        Map<String, Object> out = new LinkedHashMap<>(resolved);
        children.forEach((k, c) -> out.put(k, c.resolved()));
        return out;
    }

    /** An error about {@code key} in this table, for range and consistency checks done by the caller. */
    public OptionException invalid(String key, String problem) {
        return new OptionException("[" + table + "] " + key + " " + problem + " (" + sourceOf(key) + ")");
    }

    /** The distinct sources of {@code keys} (nested ones dotted), in order, joined by {@code ", "}. */
    private String sourcesOf(Set<String> keys) {
        Set<String> out = new LinkedHashSet<>();
        for (String k : keys) {
            String s = sources.get(k);
            if (s == null && k.contains(".")) s = sources.get(k.substring(0, k.indexOf('.')));
            out.add(s == null ? source : s);
        }
        return String.join(", ", out);
    }

    private <T> T record(String key, T defaultValue, Class<T> type, String expected) {
        Object v = values.get(key);
        if (v == null) {
            resolved.put(key, defaultValue);
            return defaultValue;
        }
        if (!type.isInstance(v)) throw wrongType(key, expected, v);
        T t = type.cast(v);
        resolved.put(key, t);
        return t;
    }

    private OptionException wrongType(String key, String expected, Object actual) {
        return invalid(key, "must be " + expected + ", but is " + describe(actual));
    }

    private static String describe(Object v) {
        if (v instanceof String s) return "the string \"" + s + "\"";
        if (v instanceof Long) return "the integer " + v;
        if (v instanceof Double) return "the number " + v;
        if (v instanceof Boolean) return "the boolean " + v;
        if (v instanceof List<?>) return "a list " + v;
        if (v instanceof Map<?, ?>) return "a table";
        return "a " + v.getClass().getSimpleName();
    }
}
