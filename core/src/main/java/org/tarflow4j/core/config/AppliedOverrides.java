package org.tarflow4j.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.ComponentNames;

/**
 * The command-line overrides of one configuration, applied in order to its parsed tables: components are named by
 * their canonical names (an alias such as {@code Mix-1} becomes {@code mog}), every value set remembers the override
 * it came from (so an error about it names {@code --set …}, not the file), and when an override switches a layer's
 * component, the options the file gave the old component leave with it, said in a note.
 */
final class AppliedOverrides {
    /** The tables that choose components, by their path pattern: {@code flow[i]} and {@code ar}. */
    private static final List<ComponentKind> LAYER_KINDS =
            List.of(ComponentKind.COUPLING, ComponentKind.BACKBONE, ComponentKind.MIXER);

    private final Map<String, Object> raw;
    private final ComponentNames names;
    private final Map<String, String> origins = new LinkedHashMap<>();
    /** Component switches by {@code owner.kind}: the component the file had (canonical) and the one now chosen. */
    private final Map<String, Switch> switches = new LinkedHashMap<>();

    private record Switch(String owner, ComponentKind kind, String from, String to) {}

    AppliedOverrides(Map<String, Object> raw, ComponentNames names, String file) {
        this.raw = raw;
        this.names = names;
        canonicalizeFile(file);
    }

    /**
     * Where values changed on the command line came from, by path ({@code flow[0].coupling}, {@code train.steps}): the
     * {@code --set} that set it, or the {@code --unset} whose removal let its default apply.
     */
    Map<String, String> origins() {
        return origins;
    }

    void apply(ConfigOverride o) {
        ConfigOverride resolved = canonical(o);
        resolved.apply(raw, (path, old) -> {
            origins.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "."));
            origins.put(path, resolved.describe());
            recordSwitch(path, old, resolved.unset() ? null : resolved.value());
        });
    }

    /**
     * Removes from each switched component's layer table the options the file gave the old component (options set on
     * the command line stay: they were meant for the new one), and says so, one line per table.
     */
    List<String> dropOptionsOfSwitchedComponents() {
        List<String> notes = new ArrayList<>();
        for (Switch s : switches.values()) {
            if (s.from().equals(s.to())) continue;
            Map<String, Object> owner = table(s.owner());
            if (owner == null || !(owner.get(s.kind().layerTable()) instanceof Map<?, ?> m)) continue;
            Map<String, Object> options = cast(m);
            String prefix = s.owner() + "." + s.kind().layerTable() + ".";
            Set<String> dropped = new LinkedHashSet<>();
            options.keySet().removeIf(key -> {
                boolean fromFile = origins.keySet().stream()
                        .noneMatch(p -> p.equals(prefix + key) || p.startsWith(prefix + key + "."));
                if (fromFile) dropped.add(key);
                return fromFile;
            });
            if (options.isEmpty()) owner.remove(s.kind().layerTable());
            if (!dropped.isEmpty())
                notes.add(s.owner() + "." + s.kind().label() + " is now " + s.to() + "; its "
                        + s.kind().layerTable() + " for " + s.from() + " (" + String.join(", ", dropped)
                        + ") no longer apply");
        }
        return notes;
    }

    /** Component names of the file's layers and shared tables, canonical. */
    private void canonicalizeFile(String file) {
        forEachOwner((owner, table) -> {
            for (ComponentKind kind : kinds(owner))
                if (table.get(kind.label()) instanceof String name)
                    table.put(kind.label(), names.canonical(kind, name));
        });
        for (ComponentKind kind : LAYER_KINDS) {
            if (!(raw.get(kind.sharedTable()) instanceof Map<?, ?> m)) continue;
            Map<String, Object> shared = cast(m);
            Map<String, Object> renamed = new LinkedHashMap<>();
            Map<String, String> writtenAs = new LinkedHashMap<>();
            shared.forEach((name, options) -> {
                String canonical = names.canonical(kind, name);
                String before = writtenAs.put(canonical, name);
                if (before != null)
                    throw new ConfigException("[" + kind.sharedTable() + "." + before + "] and [" + kind.sharedTable()
                            + "." + name + "] in " + file + " both configure the " + kind.label() + " '" + canonical
                            + "'; merge them into [" + kind.sharedTable() + "." + canonical + "]");
                renamed.put(canonical, options);
            });
            shared.clear();
            shared.putAll(renamed);
        }
    }

    /** The override with a component's name canonical, in its value or in the shared table it sets. */
    private ConfigOverride canonical(ConfigOverride o) {
        List<ConfigOverride.Segment> path = o.path();
        for (ComponentKind kind : LAYER_KINDS) {
            if (path.size() >= 3
                    && path.get(0).key().equals(kind.sharedTable())
                    && path.get(0).index() == -1)
                return o.withSegment(1, names.canonical(kind, path.get(1).key()));
            boolean chooses = path.size() == 2
                    && path.get(1).key().equals(kind.label())
                    && kinds(path.get(0).key()).contains(kind);
            if (chooses && !o.unset() && o.value() instanceof String name)
                return o.withValue(names.canonical(kind, name));
        }
        return o;
    }

    private void recordSwitch(String path, Object old, Object now) {
        int dot = path.lastIndexOf('.');
        if (dot < 0 || path.indexOf('.') != dot) return;
        String owner = path.substring(0, dot);
        String key = path.substring(dot + 1);
        String section = owner.replaceAll("\\[\\d+]$", "");
        for (ComponentKind kind : kinds(section)) {
            if (!kind.label().equals(key)) continue;
            String defaultName = section.equals("ar") ? ArConfig.defaultName(kind) : FlowLayerConfig.defaultName(kind);
            String from = old instanceof String s ? s : defaultName;
            String to = now instanceof String s ? s : now == null ? defaultName : String.valueOf(now);
            Switch first = switches.get(owner + "." + key);
            switches.put(owner + "." + key, new Switch(owner, kind, first == null ? from : first.from(), to));
        }
    }

    /** The component kinds a table chooses: coupling, backbone and mixer for {@code flow}; the backbone for {@code ar}. */
    private static List<ComponentKind> kinds(String section) {
        return switch (section) {
            case "flow" -> LAYER_KINDS;
            case "ar" -> List.of(ComponentKind.BACKBONE);
            default -> List.of();
        };
    }

    private interface OwnerVisitor {
        void visit(String owner, Map<String, Object> table);
    }

    private void forEachOwner(OwnerVisitor visitor) {
        if (raw.get("flow") instanceof List<?> layers)
            for (int i = 0; i < layers.size(); i++)
                if (layers.get(i) instanceof Map<?, ?> m) visitor.visit("flow", cast(m));
        if (raw.get("ar") instanceof Map<?, ?> m) visitor.visit("ar", cast(m));
    }

    /** The table of {@code flow[i]} or {@code ar}; null when it is not there. */
    private Map<String, Object> table(String owner) {
        if (owner.equals("ar")) return raw.get("ar") instanceof Map<?, ?> m ? cast(m) : null;
        int i = Integer.parseInt(owner.substring("flow[".length(), owner.length() - 1));
        return raw.get("flow") instanceof List<?> layers && i < layers.size() && layers.get(i) instanceof Map<?, ?> m
                ? cast(m)
                : null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }
}
