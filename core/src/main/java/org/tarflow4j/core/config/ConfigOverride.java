package org.tarflow4j.core.config;

import com.moandjiezana.toml.Toml;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command-line change of the configuration. {@code --set PATH=VALUE}: {@code train.steps=500},
 * {@code couplings.mog.mixtures=8}, {@code flow[2].coupling=mog} (layers count from 0) or {@code flow[*].coupling=mog}
 * (every layer). The value is read as a TOML value ({@code 500}, {@code 3e-4}, {@code true}, {@code [2, 2, 8]},
 * {@code "text"}); anything that is not one is taken as a string, so {@code flow[0].coupling=mog} needs no quotes.
 * {@code --unset PATH} removes a value or a whole table ({@code flow[0].coupling_options}), so its default applies.
 * The result is validated like the file.
 *
 * <p>Overrides travel as strings, in command-line order: {@code PATH=VALUE} for {@code --set}, and
 * {@link #unsetting(String)} for {@code --unset}.
 *
 * @param text  {@code PATH=VALUE} for a set, the path for an unset
 * @param value the value to set; null for an unset
 */
public record ConfigOverride(String text, List<Segment> path, Object value, boolean unset) {
    private static final String UNSET = "--unset ";
    private static final Pattern SEGMENT = Pattern.compile("([A-Za-z0-9_-]+)(?:\\[(\\d+|\\*)])?");

    /** A key, optionally indexing into an array of tables ({@code index} -1 for none, -2 for {@code [*]}). */
    record Segment(String key, int index) {
        Segment withKey(String newKey) {
            return new Segment(newKey, index);
        }

        @Override
        public String toString() {
            return key + (index == -1 ? "" : index == -2 ? "[*]" : "[" + index + "]");
        }
    }

    /** The override string that removes {@code path}, as {@code --unset PATH} gives it. */
    public static String unsetting(String path) {
        return UNSET + path.trim();
    }

    public static ConfigOverride parse(String text) {
        if (text.startsWith(UNSET)) {
            String key = text.substring(UNSET.length()).trim();
            List<Segment> path = path(key, "--unset '" + key + "'", "--unset flow[0].coupling_options");
            return new ConfigOverride(key, path, null, true);
        }
        int eq = text.indexOf('=');
        if (eq <= 0)
            throw new ConfigException("--set '" + text
                    + "': expected KEY=VALUE, e.g. --set train.steps=500 or --set flow[1].coupling=mog");
        String where = "--set '" + text + "'";
        List<Segment> path = path(text.substring(0, eq).trim(), where, "train.steps=500");
        String value = text.substring(eq + 1).trim();
        if (value.isEmpty())
            throw new ConfigException(where + ": no value after '='; give one, e.g. --set "
                    + text.substring(0, eq).trim() + "=VALUE (to keep the file's value, leave the --set out;"
                    + " --unset " + text.substring(0, eq).trim() + " removes it)");
        return new ConfigOverride(text, path, value(value), false);
    }

    private static List<Segment> path(String key, String where, String example) {
        List<Segment> path = new ArrayList<>();
        for (String part : key.split("\\.", -1)) {
            Matcher m = SEGMENT.matcher(part);
            if (!m.matches())
                throw new ConfigException(
                        where + ": '" + part + "' is not a key; keys are letters, digits, '_' and '-',"
                                + " optionally with an index as in flow[2] or flow[*]");
            path.add(new Segment(
                    m.group(1), m.group(2) == null ? -1 : m.group(2).equals("*") ? -2 : Integer.parseInt(m.group(2))));
        }
        if (path.size() < 2) throw new ConfigException(where + ": name the table and the key, e.g. " + example);
        if (path.get(path.size() - 1).index() != -1)
            throw new ConfigException(where + ": the last part must be a key, not an indexed table");
        return List.copyOf(path);
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

    /** How it is written on the command line: {@code --set train.steps=500} or {@code --unset train.steps}. */
    public String describe() {
        return (unset ? UNSET : "--set ") + text;
    }

    /** For messages: {@code --set 'train.steps=500'}. */
    String quoted() {
        return (unset ? "--unset '" : "--set '") + text + "'";
    }

    /** The same override with the {@code depth}-th part of its path replaced (to name a component canonically). */
    ConfigOverride withSegment(int depth, String key) {
        List<Segment> p = new ArrayList<>(path);
        p.set(depth, p.get(depth).withKey(key));
        return new ConfigOverride(text, List.copyOf(p), value, unset);
    }

    /** The same set with another value. */
    ConfigOverride withValue(Object newValue) {
        return new ConfigOverride(text, path, newValue, unset);
    }

    /** What one override did to one value: its path with indices resolved ({@code flow[2].coupling}) and the old value. */
    interface Change {
        void changed(String path, Object old);
    }

    /** Applies the override to the parsed tables; {@code change} hears of every value it set or removed. */
    void apply(Map<String, Object> root, Change change) {
        int changed = apply(root, 0, "", change);
        if (unset && changed == 0)
            throw new ConfigException(quoted() + ": the config has no " + pathText()
                    + (path.stream().anyMatch(s -> s.index() == -2) ? " in any layer" : "")
                    + " to remove; check the path ('tarflow config check' prints the whole config)");
    }

    private String pathText() {
        return String.join(".", path.stream().map(Segment::toString).toList());
    }

    private int apply(Map<String, Object> map, int depth, String prefix, Change change) {
        Segment s = path.get(depth);
        String here = prefix + s.key();
        if (depth == path.size() - 1) {
            if (unset) {
                if (!map.containsKey(s.key())) return 0;
                change.changed(here, map.remove(s.key()));
                return 1;
            }
            if (map.get(s.key()) instanceof Map<?, ?>)
                throw new ConfigException(quoted() + ": " + s.key() + " is a table; set one of its keys instead");
            change.changed(here, map.put(s.key(), value));
            return 1;
        }
        Object next = map.get(s.key());
        if (s.index() == -1) {
            if (next == null) {
                if (unset) return 0;
                map.put(s.key(), next = new LinkedHashMap<String, Object>());
            }
            if (!(next instanceof Map<?, ?>))
                throw new ConfigException(quoted() + ": " + s.key() + " is "
                        + (next instanceof List<?>
                                ? "an array of tables; index it, as in " + s.key() + "[0]"
                                : "a value, not a table"));
            return apply(cast(next), depth + 1, here + ".", change);
        }
        if (!(next instanceof List<?> list) || list.stream().anyMatch(e -> !(e instanceof Map<?, ?>)))
            throw new ConfigException(quoted() + ": the config has no [[" + s.key() + "]] array of tables to index");
        if (s.index() == -2) {
            int changed = 0;
            for (int i = 0; i < list.size(); i++)
                changed += apply(cast(list.get(i)), depth + 1, here + "[" + i + "].", change);
            return changed;
        }
        if (s.index() < list.size())
            return apply(cast(list.get(s.index())), depth + 1, here + "[" + s.index() + "].", change);
        throw new ConfigException(quoted() + ": the config has " + list.size() + " [[" + s.key() + "]] tables ("
                + s.key() + "[0] to " + s.key() + "[" + (list.size() - 1) + "])");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }
}
