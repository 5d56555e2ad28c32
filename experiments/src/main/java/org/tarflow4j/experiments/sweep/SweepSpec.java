package org.tarflow4j.experiments.sweep;

import com.moandjiezana.toml.Toml;
import com.moandjiezana.toml.TomlWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.tarflow4j.core.config.ConfigLoader;

/**
 * What a sweep runs: a base config, the settings every run shares, and the axes. Read from a base config (axes
 * come from the command line) or from a sweep file:
 *
 * <pre>
 * [sweep]
 * base = "../configs/small.toml"  # or a [base] table holding the config inline; neither: the built-in default
 * steps = 400                     # per-run budget, train.steps (and/or minutes = 10, train.minutes)
 * seeds = [0, 1]                  # every combination once per seed
 * set = ["train.batch=16"]        # settings every run shares, as --set
 *
 * [[axis]]                        # a grid axis
 * key = "model.patch"
 * values = [1, 2, 4]
 *
 * [[axis]]                        # a zipped axis: its keys' values move together
 * name = "coupling"
 * labels = ["Mix-1", "AR"]        # optional, for run names, tables and plots
 * [axis.zip]
 * "model.kind" = ["flow", "ar"]
 * "flow[*].coupling" = ["mog", "mog"]
 *
 * [[axis]]                        # an axis of named points, each its own settings
 * name = "coupling"
 * [[axis.point]]
 * label = "Mix-d"
 * set = ["flow[*].coupling=rosenblatt", "flow[0].coupling_options.tie_to_encoder=true"]
 * [[axis.point]]
 * label = "AR"
 * set = ["model.kind=ar"]
 * </pre>
 *
 * @param name       the sweep's name, its default directory under {@code sweeps/}
 * @param baseSource where the base config came from, for messages
 * @param sets       settings of every run as {@code KEY=VALUE}, applied before the axes'
 */
public record SweepSpec(String name, String baseText, String baseSource, List<String> sets, List<Axis> axes) {
    private static final Set<String> TABLES = Set.of("sweep", "base", "axis");
    private static final Set<String> SWEEP_KEYS = Set.of("base", "steps", "minutes", "seeds", "set");
    private static final Set<String> AXIS_KEYS = Set.of("name", "key", "values", "labels", "zip", "point");
    private static final Set<String> POINT_KEYS = Set.of("label", "set");

    /** A base config or a sweep file (one with a [sweep] table or [[axis]] tables); null for the built-in default config. */
    public static SweepSpec read(Path file) {
        if (file == null)
            return new SweepSpec(
                    "default", ConfigLoader.defaultText(), ConfigLoader.DEFAULT_SOURCE, List.of(), List.of());
        String text = text(file);
        Map<String, Object> toml = toml(text, file.toString());
        String stem = file.getFileName().toString().replaceFirst("\\.toml$", "");
        if (!toml.containsKey("sweep") && !toml.containsKey("axis"))
            return new SweepSpec(stem, text, file.toString(), List.of(), List.of());
        return sweepFile(stem, file, toml);
    }

    /** This sweep with the command line's {@code --grid} axes after its own and its {@code --set} settings after its own. */
    public SweepSpec with(List<String> grid, List<String> moreSets) {
        List<Axis> all = new ArrayList<>(axes);
        grid.forEach(g -> all.add(Axis.parse(g)));
        List<String> allSets = new ArrayList<>(sets);
        allSets.addAll(moreSets);
        String named = axes.isEmpty() && !grid.isEmpty()
                ? name + "-"
                        + String.join(
                                "-",
                                all.stream().map(a -> RunNames.safe(a.name())).toList())
                : name;
        return new SweepSpec(named, baseText, baseSource, List.copyOf(allSets), List.copyOf(all));
    }

    private static SweepSpec sweepFile(String stem, Path file, Map<String, Object> toml) {
        String where = file.toString();
        for (String k : toml.keySet())
            if (!TABLES.contains(k))
                throw new SweepException(where + ": unknown table or key '" + k
                        + "'; a sweep file has [sweep], [base] and [[axis]] tables");
        Map<String, Object> sweep = table(toml.get("sweep"), "[sweep]", where);
        known(sweep, SWEEP_KEYS, "[sweep]", where);
        List<String> sets = new ArrayList<>();
        List<Axis> axes = new ArrayList<>();
        if (sweep.get("steps") != null) sets.add("train.steps=" + positive(sweep.get("steps"), "steps", where));
        if (sweep.get("minutes") != null) sets.add("train.minutes=" + positive(sweep.get("minutes"), "minutes", where));
        List<Long> seeds = list(sweep.get("seeds"), Long.class, "[sweep] seeds", "integers", where);
        if (seeds != null && seeds.size() == 1) sets.add(Axis.SEED + "=" + seeds.get(0));
        List<String> set = list(sweep.get("set"), String.class, "[sweep] set", "strings KEY=VALUE", where);
        if (set != null) sets.addAll(set);
        Object axisTables = toml.get("axis");
        if (axisTables != null && !(axisTables instanceof List<?>))
            throw new SweepException(where + ": write each axis as [[axis]], an array of tables");
        List<?> axisList = axisTables == null ? List.of() : (List<?>) axisTables;
        for (int i = 0; i < axisList.size(); i++)
            axes.add(axis(table(axisList.get(i), "axis " + (i + 1), where), "axis " + (i + 1) + " of " + where));
        if (seeds != null && seeds.size() > 1) axes.add(Axis.seeds(seeds));
        Base base = base(file, sweep, toml.get("base"));
        return new SweepSpec(stem, base.text, base.source, List.copyOf(sets), List.copyOf(axes));
    }

    private record Base(String text, String source) {}

    /** The base config: a path in [sweep] base, an inline [base] table, or the built-in default. */
    private static Base base(Path file, Map<String, Object> sweep, Object inline) {
        Object path = sweep.get("base");
        if (path != null && inline != null)
            throw new SweepException(file + ": both [sweep] base = \"" + path + "\" and a [base] table; keep one");
        if (path instanceof String p) {
            Path resolved = file.toAbsolutePath().getParent().resolve(p).normalize();
            return new Base(text(resolved), resolved.toString());
        }
        if (path != null) throw new SweepException(file + ": [sweep] base is the path of a config file, as a string");
        if (inline == null) return new Base(ConfigLoader.defaultText(), ConfigLoader.DEFAULT_SOURCE);
        return new Base(new TomlWriter().write(table(inline, "[base]", file.toString())), file + " [base]");
    }

    private static Axis axis(Map<String, Object> t, String where) {
        known(t, AXIS_KEYS, "[[axis]]", where);
        String name = t.get("name") == null ? null : string(t.get("name"), "name", where);
        Object zip = t.get("zip");
        Object points = t.get("point");
        if ((zip != null ? 1 : 0) + (points != null ? 1 : 0) + (t.get("key") != null ? 1 : 0) != 1)
            throw new SweepException(
                    where + ": give one of key = \"...\" with values = [...], an [axis.zip] table of keys and their"
                            + " values, or [[axis.point]] tables with a label and a set = [...] each");
        if (points != null) return pointAxis(name, points, where);
        List<String> labels = list(t.get("labels"), String.class, "labels", "strings", where);
        if (zip == null) {
            List<?> values = list(t.get("values"), Object.class, "values", "values", where);
            if (values == null)
                throw new SweepException(where + ": key = \"" + t.get("key") + "\" needs values = [...]");
            sameLength(labels, values.size(), where);
            return Axis.grid(name, string(t.get("key"), "key", where), values, labels, where);
        }
        if (t.get("values") != null)
            throw new SweepException(where + ": a zipped axis has its values in [axis.zip], not in values");
        Map<String, List<?>> keys = new TreeMap<>();
        table(zip, "[axis.zip]", where)
                .forEach((k, v) -> keys.put(unquote(k), list(v, Object.class, "zip " + k, "values", where)));
        if (keys.isEmpty()) throw new SweepException(where + ": [axis.zip] names no keys");
        sameLength(labels, keys.values().iterator().next().size(), where);
        return Axis.zipped(name, keys, labels, where);
    }

    private static Axis pointAxis(String name, Object points, String where) {
        if (name == null) throw new SweepException(where + ": an axis of [[axis.point]] tables needs a name = \"...\"");
        if (!(points instanceof List<?> list)) throw new SweepException(where + ": write each point as [[axis.point]]");
        List<Axis.Point> out = new ArrayList<>();
        for (Object p : list) {
            Map<String, Object> point = table(p, "[[axis.point]]", where);
            known(point, POINT_KEYS, "[[axis.point]]", where);
            if (point.get("label") == null)
                throw new SweepException(where + ": every [[axis.point]] needs a label = \"...\"");
            List<String> set = list(
                    point.get("set"), String.class, "set of point " + point.get("label"), "strings KEY=VALUE", where);
            out.add(new Axis.Point(string(point.get("label"), "label", where), set == null ? List.of() : set));
        }
        return Axis.points(name, out, where);
    }

    private static void sameLength(List<String> labels, int points, String where) {
        if (labels != null && labels.size() != points)
            throw new SweepException(
                    where + ": " + labels.size() + " labels for " + points + " values; give one label per value");
    }

    private static void known(Map<String, Object> table, Set<String> keys, String name, String where) {
        for (String k : table.keySet())
            if (!keys.contains(k))
                throw new SweepException(where + ": unknown key '" + k + "' in " + name + "; known keys: "
                        + String.join(", ", new java.util.TreeSet<>(keys)));
    }

    private static String positive(Object v, String key, String where) {
        if (!(v instanceof Number n) || !(n.doubleValue() > 0))
            throw new SweepException(where + ": [sweep] " + key + " = " + v + " is not a positive number");
        return Axis.literal(v);
    }

    private static String string(Object v, String key, String where) {
        if (!(v instanceof String s)) throw new SweepException(where + ": " + key + " = " + v + " is not a string");
        return s;
    }

    private static <T> List<T> list(Object v, Class<T> type, String key, String what, String where) {
        if (v == null) return null;
        if (!(v instanceof List<?> l) || l.isEmpty() || !l.stream().allMatch(type::isInstance))
            throw new SweepException(where + ": " + key + " must be a non-empty array of " + what);
        return l.stream().map(type::cast).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> table(Object v, String name, String where) {
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?>)) throw new SweepException(where + ": " + name + " must be a table");
        return (Map<String, Object>) v;
    }

    /** TOML4J keeps the quotes of quoted keys. */
    private static String unquote(String key) {
        return key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")
                ? key.substring(1, key.length() - 1)
                : key;
    }

    private static Map<String, Object> toml(String text, String where) {
        try {
            return new Toml().read(text).toMap();
        } catch (RuntimeException e) {
            throw new SweepException(where + ": " + e.getMessage() + " (tarflow reads TOML 0.4)");
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SweepException(
                    "cannot read " + file + ": " + (Files.exists(file) ? e.getMessage() : "no such file"));
        }
    }
}
