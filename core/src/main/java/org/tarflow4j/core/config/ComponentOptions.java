package org.tarflow4j.core.config;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.tarflow4j.api.Options;
import org.tarflow4j.core.plugin.ComponentKind;

/**
 * Hands each component its options: the shared table of its name ({@code [couplings.mog]}) with the layer's own
 * table ({@code [flow.coupling_options]}) over it. A key of a layer's table that its component did not read is
 * unknown at once; a key of a shared table is unknown when no component of that name read it. Shared tables of
 * components no layer uses are not checked (so a sweep can switch couplings), but their names must exist.
 */
public final class ComponentOptions {
    private final TarflowConfig config;
    private final Map<String, Set<String>> readShared = new LinkedHashMap<>();
    private final Map<String, Map<String, Object>> resolved = new LinkedHashMap<>();

    public ComponentOptions(TarflowConfig config) {
        this.config = config;
    }

    /**
     * The options for one component, named by its canonical name; pass them to its provider, then call
     * {@link #finish}. A value set on the command line names its {@code --set} in messages.
     */
    public Options open(ComponentChoice choice, String owner) {
        ComponentKind kind = choice.kind();
        String name = choice.name();
        Map<String, Object> own = choice.options();
        Map<String, Object> shared = config.shared(kind).getOrDefault(name, Map.of());
        Map<String, Object> merged = new LinkedHashMap<>(shared);
        merged.putAll(own);
        String table = own.isEmpty()
                ? kind.sharedTable() + "." + name
                : shared.isEmpty()
                        ? owner + "." + kind.layerTable()
                        : owner + "." + kind.layerTable() + " over " + kind.sharedTable() + "." + name;
        Map<String, String> sources = new LinkedHashMap<>(config.originsUnder(kind.sharedTable() + "." + name));
        sources.keySet().removeIf(key -> own.containsKey(key.split("\\.", 2)[0]));
        sources.putAll(config.originsUnder(owner + "." + kind.layerTable()));
        return Options.of(table, config.source(), merged, sources);
    }

    /** Checks what the component read; records its resolved options under {@code owner}. */
    public void finish(ComponentChoice choice, String owner, Options options) {
        ComponentKind kind = choice.kind();
        String name = choice.name();
        Map<String, Object> own = choice.options();
        Set<String> read = new LinkedHashSet<>(options.resolved().keySet());
        readShared
                .computeIfAbsent(kind.sharedTable() + "." + name, k -> new LinkedHashSet<>())
                .addAll(read);
        Set<String> unknown = new TreeSet<>(options.unread());
        unknown.retainAll(own.keySet());
        if (!unknown.isEmpty()) {
            String table = owner + "." + kind.layerTable();
            String first = unknown.iterator().next();
            boolean fromFile = config.sourceOf(table + "." + first).equals(config.source());
            throw new ConfigException("unknown key '" + String.join("', '", unknown) + "' in [" + table + "] ("
                    + sources(table, unknown) + "): the " + kind.label() + " '" + name + "' reads " + known(read)
                    + (fromFile ? "; remove it, or drop it with --unset " + table + "." + first : ""));
        }
        resolved.put(owner + "." + kind.layerTable(), options.resolved());
    }

    /** After every component is built: shared tables must name real components and have no key nobody read. */
    public void finishShared(ComponentKind kind, Predicate<String> exists) {
        config.shared(kind).forEach((name, table) -> {
            if (!exists.test(name)) {
                Map<String, String> set = config.originsUnder(kind.sharedTable() + "." + name);
                String where = !set.isEmpty() && set.size() == table.size()
                        ? "(" + String.join(", ", new LinkedHashSet<>(set.values())) + ")"
                        : "in " + config.source();
                throw new ConfigException("[" + kind.sharedTable() + "." + name + "] " + where + ": there is no "
                        + kind.label() + " named '" + name + "' (see 'tarflow plugins')");
            }
            Set<String> read = readShared.get(kind.sharedTable() + "." + name);
            if (read == null) return;
            Set<String> unknown = new TreeSet<>(table.keySet());
            unknown.removeAll(read);
            if (!unknown.isEmpty())
                throw new ConfigException("unknown key '" + String.join("', '", unknown) + "' in ["
                        + kind.sharedTable() + "." + name + "] (" + sources(kind.sharedTable() + "." + name, unknown)
                        + "): the " + kind.label() + " '" + name + "' reads " + known(read));
        });
    }

    /** Every component's options with defaults filled in, by {@code owner.kind_options}. */
    public Map<String, Map<String, Object>> resolved() {
        return resolved;
    }

    /** Where the values of {@code keys} in the table at {@code path} came from, each source once. */
    private String sources(String path, Set<String> keys) {
        Set<String> out = new LinkedHashSet<>();
        for (String key : keys) out.add(config.sourceOf(path + "." + key));
        return String.join(", ", out);
    }

    private static String known(Set<String> read) {
        return read.isEmpty() ? "no options" : String.join(", ", read);
    }
}
