package org.tarflow4j.experiments.sweep;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigOverride;

/**
 * One swept dimension. A grid axis sets one key to each of its values; a zipped axis sets several keys whose values
 * move together (the i-th value of every key makes the i-th point); a point axis lists its points' settings. Keys are {@code --set} paths, plus
 * {@value #LAYERS}, the number of {@code [[flow]]} layers.
 *
 * @param name the axis as a table column: its {@code name}, or its key
 */
public record Axis(String name, List<String> keys, List<Point> points) {
    /** The number of flow layers: layers past the base's are copies of its last layer, in alternating directions. */
    public static final String LAYERS = "flow.layers";
    /** The key that {@code seeds} sweeps; runs that differ only in it are averaged in plots. */
    public static final String SEED = "train.seed";

    /**
     * One point of an axis.
     *
     * @param label     how it is shown (in run names, tables and plots)
     * @param overrides its settings as {@code KEY=VALUE}, the value as {@code --set} reads it
     */
    public record Point(String label, List<String> overrides) {}

    /** An axis from the command line, {@code KEY=V1,V2,...}; commas inside brackets or quotes do not split. */
    public static Axis parse(String text) {
        int eq = text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1)
            throw new SweepException("--grid '" + text + "': expected KEY=V1,V2,..., e.g. --grid model.patch=1,2,4");
        String key = text.substring(0, eq).trim();
        List<Point> points = new ArrayList<>();
        for (String value : split(text.substring(eq + 1), text))
            points.add(new Point(unquote(value), List.of(key + "=" + value)));
        return checked(new Axis(key, List.of(key), points), "--grid '" + text + "'");
    }

    /** A grid axis read from a sweep file, its values as TOML gives them. */
    static Axis grid(String name, String key, List<?> values, List<String> labels, String where) {
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < values.size(); i++)
            points.add(new Point(
                    labels == null ? label(values.get(i)) : labels.get(i),
                    List.of(key + "=" + literal(values.get(i)))));
        return checked(new Axis(name == null ? key : name, List.of(key), points), where);
    }

    /** A zipped axis read from a sweep file: every key's array has one value per point. */
    static Axis zipped(String name, Map<String, List<?>> values, List<String> labels, String where) {
        int n = values.values().iterator().next().size();
        values.forEach((key, v) -> {
            if (v.size() != n)
                throw new SweepException(where + ": the zipped keys need one value per point, but '" + key + "' has "
                        + v.size() + " and '" + values.keySet().iterator().next() + "' has " + n);
        });
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> overrides = new ArrayList<>();
            List<String> shown = new ArrayList<>();
            for (Map.Entry<String, List<?>> e : values.entrySet()) {
                overrides.add(e.getKey() + "=" + literal(e.getValue().get(i)));
                shown.add(label(e.getValue().get(i)));
            }
            points.add(new Point(labels == null ? String.join("+", shown) : labels.get(i), List.copyOf(overrides)));
        }
        List<String> keys = List.copyOf(values.keySet());
        return checked(new Axis(name == null ? String.join("+", keys) : name, keys, points), where);
    }

    /** An axis of named points, each with its own settings (which may set different keys, or none). */
    static Axis points(String name, List<Point> points, String where) {
        List<String> keys = points.stream()
                .flatMap(p -> p.overrides().stream())
                .map(Axis::key)
                .distinct()
                .toList();
        return checked(new Axis(name, keys, List.copyOf(points)), where);
    }

    /** The axis that {@code seeds = [...]} makes. */
    static Axis seeds(List<Long> seeds) {
        return new Axis(
                "seed",
                List.of(SEED),
                seeds.stream()
                        .map(s -> new Point(Long.toString(s), List.of(SEED + "=" + s)))
                        .toList());
    }

    public boolean isSeed() {
        return keys.equals(List.of(SEED));
    }

    /** Keys are checked here with the {@code --set} grammar, and layer counts are positive; values are checked per run. */
    private static Axis checked(Axis axis, String where) {
        if (axis.points.isEmpty()) throw new SweepException(where + ": an axis needs at least one value");
        for (Point p : axis.points) {
            for (String o : p.overrides) {
                if (key(o).equals(LAYERS)) {
                    layers(o, where);
                    continue;
                }
                try {
                    ConfigOverride.parse(o);
                } catch (TarflowException e) {
                    throw new SweepException(where + ": " + e.getMessage());
                }
            }
        }
        return axis;
    }

    /** The key an override {@code KEY=VALUE} sets. */
    static String key(String override) {
        int eq = override.indexOf('=');
        return (eq < 0 ? override : override.substring(0, eq)).trim();
    }

    /** The layer count {@code flow.layers=N} asks for. */
    static int layers(String override, String where) {
        String value = override.substring(override.indexOf('=') + 1).trim();
        if (value.matches("\\d{1,4}") && Integer.parseInt(value) >= 1) return Integer.parseInt(value);
        throw new SweepException(where + ": " + LAYERS + " = " + value + " is not a number of flow layers (1 or more)");
    }

    /** A TOML value as a {@code --set} literal. */
    static String literal(Object v) {
        if (v instanceof String s) return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        if (v instanceof Double d) return exact(d).toString().replace('E', 'e');
        if (v instanceof List<?> l)
            return "[" + String.join(", ", l.stream().map(Axis::literal).toList()) + "]";
        return String.valueOf(v);
    }

    /** A TOML value as a label: strings without quotes, numbers as written. */
    static String label(Object v) {
        if (v instanceof Double d) return exact(d).toString();
        if (v instanceof List<?> l)
            return String.join("-", l.stream().map(Axis::label).toList());
        return String.valueOf(v);
    }

    /** TOML4J reads 3e-4 as 3.0000000000000003e-4; a literal of up to 15 significant digits is recovered exactly. */
    private static Double exact(double d) {
        return Double.isFinite(d) ? new BigDecimal(d).round(new MathContext(15)).doubleValue() : d;
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1)
                : value;
    }

    private static List<String> split(String values, String text) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        StringBuilder current = new StringBuilder();
        for (char c : values.toCharArray()) {
            if (c == '"') quoted = !quoted;
            if (!quoted && c == '[') depth++;
            if (!quoted && c == ']') depth--;
            if (c == ',' && depth == 0 && !quoted) {
                out.add(current.toString().trim());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        out.add(current.toString().trim());
        if (out.stream().anyMatch(String::isEmpty))
            throw new SweepException("--grid '" + text + "': an empty value; separate values with single commas");
        return out;
    }
}
