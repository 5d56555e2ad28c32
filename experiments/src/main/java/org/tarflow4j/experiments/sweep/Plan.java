package org.tarflow4j.experiments.sweep;

import com.moandjiezana.toml.Toml;
import com.moandjiezana.toml.TomlWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Every combination of a sweep's axes, first axis outermost, as named runs. */
public record Plan(SweepSpec spec, List<PlannedRun> runs) {

    public static Plan of(SweepSpec spec) {
        checkKeys(spec);
        List<String> prefixes = RunNames.prefixes(spec.axes());
        Set<String> taken = new HashSet<>();
        List<PlannedRun> runs = new ArrayList<>();
        int total = spec.axes().stream().mapToInt(a -> a.points().size()).reduce(1, Math::multiplyExact);
        for (int index = 0; index < total; index++) {
            List<Axis.Point> points = new ArrayList<>();
            int rest = index;
            for (int a = spec.axes().size() - 1; a >= 0; a--) {
                List<Axis.Point> p = spec.axes().get(a).points();
                points.add(0, p.get(rest % p.size()));
                rest /= p.size();
            }
            runs.add(run(spec, prefixes, points, taken));
        }
        return new Plan(spec, List.copyOf(runs));
    }

    private static PlannedRun run(SweepSpec spec, List<String> prefixes, List<Axis.Point> points, Set<String> taken) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> overrides = new ArrayList<>(spec.sets());
        for (int a = 0; a < points.size(); a++) {
            values.put(spec.axes().get(a).name(), points.get(a).label());
            overrides.addAll(points.get(a).overrides());
        }
        int layers = 0;
        for (String o : overrides) if (Axis.key(o).equals(Axis.LAYERS)) layers = Axis.layers(o, "--set " + o);
        overrides.removeIf(o -> Axis.key(o).equals(Axis.LAYERS));
        String name =
                RunNames.name(prefixes, points.stream().map(Axis.Point::label).toList(), taken);
        return new PlannedRun(name, values, layers, List.copyOf(overrides));
    }

    /** The run's config before its overrides: the base, with its flow stack cut or extended to {@code layers}. */
    public String baseText(PlannedRun run) {
        if (run.layers() == 0) return spec.baseText();
        Map<String, Object> toml = new Toml().read(spec.baseText()).toMap();
        if (!(toml.get("flow") instanceof List<?> flow) || flow.isEmpty())
            throw new SweepException("run " + run.name() + ": " + Axis.LAYERS + " = " + run.layers()
                    + ", but the base config " + spec.baseSource() + " has no [[flow]] layers to copy");
        List<Object> layers = new ArrayList<>();
        for (int i = 0; i < run.layers(); i++) {
            if (i < flow.size()) {
                layers.add(flow.get(i));
            } else {
                @SuppressWarnings("unchecked")
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) flow.get(flow.size() - 1));
                copy.remove("direction");
                layers.add(copy);
            }
        }
        toml.put("flow", layers);
        return new TomlWriter().write(toml);
    }

    /** A key is swept by one axis at most and never also set for every run. */
    private static void checkKeys(SweepSpec spec) {
        Map<String, String> sweptBy = new LinkedHashMap<>();
        for (Axis axis : spec.axes())
            for (String key : axis.keys()) {
                String other = sweptBy.put(key, axis.name());
                if (other != null)
                    throw new SweepException("the key " + key + " is swept by two axes, " + other + " and "
                            + axis.name() + "; zip them into one");
            }
        for (String set : spec.sets())
            if (sweptBy.containsKey(Axis.key(set)))
                throw new SweepException("'" + set + "' sets a key that the axis " + sweptBy.get(Axis.key(set))
                        + " sweeps; drop one of them");
    }
}
