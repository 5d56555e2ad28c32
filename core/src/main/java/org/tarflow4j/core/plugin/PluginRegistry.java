package org.tarflow4j.core.plugin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.tarflow4j.api.ApiVersion;
import org.tarflow4j.api.Provider;
import org.tarflow4j.api.SemVer;
import org.tarflow4j.api.VersionRange;
import org.tarflow4j.core.TarflowException;

/**
 * Every provider the host can use, by kind and name: the host's own (module path and class path) and those of a
 * {@code plugins/} folder. A provider is refused, with the reason kept for {@code tarflow plugins}, when its API range
 * does not admit this host's API version, when its name, aliases or version are malformed, when another provider
 * already answers to its name or one of its aliases, or when its plugin cannot be loaded at all; the others load
 * regardless. Names and aliases are looked up ignoring case; an alias resolves to the provider's own name.
 */
public final class PluginRegistry implements ComponentNames {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Map<ComponentKind, Map<String, Registered>> byName = new LinkedHashMap<>();
    /** Every name and alias, lower-cased, to its provider. */
    private final Map<ComponentKind, Map<String, Registered>> byKey = new LinkedHashMap<>();

    private final List<Refusal> refused = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private Path folder;

    private PluginRegistry() {
        for (ComponentKind kind : ComponentKind.values()) {
            byName.put(kind, new LinkedHashMap<>());
            byKey.put(kind, new LinkedHashMap<>());
        }
    }

    /** The host's providers only. */
    public static PluginRegistry host() {
        PluginRegistry registry = new PluginRegistry();
        for (ComponentKind kind : ComponentKind.values())
            registry.addAll(kind, ServiceLoader.load(kind.service()).stream().toList(), Registered.BUILT_IN);
        return registry;
    }

    /**
     * The host's providers, then those of a plugins folder the user named (with {@code --plugins} or an environment
     * variable, as {@code namedBy} says): unlike the default folder, it must exist and be a folder.
     */
    public static PluginRegistry loadNamed(Path pluginsDir, String namedBy) {
        if (!Files.exists(pluginsDir))
            throw new TarflowException(namedBy + " names " + pluginsDir
                    + ", which does not exist; give the folder that holds your plugin jars");
        if (!Files.isDirectory(pluginsDir))
            throw new TarflowException(namedBy + " names " + pluginsDir + ", which is a file, not a folder; "
                    + (pluginsDir.getFileName().toString().endsWith(".jar")
                            ? "put the jar into a folder and name that folder"
                            : "give the folder that holds your plugin jars"));
        return load(pluginsDir);
    }

    /** The host's providers, then those of each entry of {@code pluginsDir} in name order (none if it does not exist). */
    public static PluginRegistry load(Path pluginsDir) {
        PluginRegistry registry = host();
        registry.folder = pluginsDir;
        List<Path> entries;
        try {
            entries = PluginLayers.entries(pluginsDir);
        } catch (IOException e) {
            registry.refused.add(
                    new Refusal("plugins folder", pluginsDir.toString(), "cannot be listed: " + e.getMessage()));
            return registry;
        }
        for (Path entry : entries) registry.addPlugin(entry);
        return registry;
    }

    private void addPlugin(Path entry) {
        PluginLayers.Plugin plugin;
        try {
            plugin = PluginLayers.open(entry);
        } catch (IOException | RuntimeException e) {
            refused.add(new Refusal(
                    entry.getFileName().toString(),
                    entry.toString(),
                    "cannot be loaded: " + e.getMessage() + " (the jar is damaged or a module it requires is missing;"
                            + " put its dependencies into a sub-folder of plugins/ together with it)"));
            return;
        }
        int before = size();
        for (ComponentKind kind : ComponentKind.values()) {
            try {
                addAll(kind, plugin.providers(kind.service()), plugin.origin());
            } catch (ServiceConfigurationError e) {
                refused.add(new Refusal(
                        entry.getFileName().toString(),
                        plugin.origin(),
                        "a " + kind.label() + " provider cannot be instantiated: " + Causes.describe(e)));
            }
        }
        if (size() == before && refused.stream().noneMatch(r -> r.origin().equals(plugin.origin())))
            refused.add(
                    new Refusal(
                            entry.getFileName().toString(),
                            plugin.origin(),
                            "defines no coupling, mixer or backbone provider (missing 'provides' in module-info or META-INF/services)"));
    }

    private void addAll(ComponentKind kind, List<? extends ServiceLoader.Provider<?>> found, String origin) {
        for (ServiceLoader.Provider<?> p : found) {
            Provider<?, ?> provider;
            try {
                provider = (Provider<?, ?>) p.get();
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                refused.add(new Refusal(p.type().getName(), origin, "cannot be instantiated: " + Causes.describe(e)));
                continue;
            }
            add(kind, provider, origin);
        }
    }

    private void add(ComponentKind kind, Provider<?, ?> provider, String origin) {
        String name;
        String version;
        String requires;
        List<String> aliases;
        try {
            name = provider.name();
            version = provider.version();
            requires = provider.requires();
            aliases = provider.aliases() == null ? null : List.copyOf(provider.aliases());
        } catch (RuntimeException | LinkageError e) {
            refused.add(new Refusal(
                    provider.getClass().getName(), origin, "fails to describe itself: " + Causes.describe(e)));
            return;
        }
        String label = kind.label() + " '" + name + "' " + version;
        String problem = problem(kind, name, version, requires, aliases);
        if (problem != null) {
            refused.add(new Refusal(label, origin, problem));
            return;
        }
        Registered first = byName.get(kind).get(name);
        if (first != null) {
            warnings.add("two plugins provide the " + kind.label() + " '" + name + "': " + first.version() + " from "
                    + first.origin() + " is used, " + version + " from " + origin
                    + " is ignored; remove one of them");
            refused.add(new Refusal(
                    label,
                    origin,
                    "duplicate " + kind.label() + " name '" + name + "': already provided by " + first.version() + " ("
                            + first.origin() + "); remove one of them"));
            return;
        }
        List<String> keys = new ArrayList<>(List.of(name));
        keys.addAll(aliases);
        for (String key : keys) {
            Registered taken = byKey.get(kind).get(key.toLowerCase(Locale.ROOT));
            if (taken != null) {
                refused.add(new Refusal(
                        label,
                        origin,
                        (key.equals(name) ? "its name '" : "its alias '") + key + "' is already taken by the "
                                + kind.label() + " " + taken.describe()
                                + " (names and aliases are matched ignoring case); remove one of them"));
                return;
            }
        }
        Registered registered = new Registered(kind, provider, origin, aliases);
        byName.get(kind).put(name, registered);
        for (String key : keys) byKey.get(kind).put(key.toLowerCase(Locale.ROOT), registered);
    }

    private static String problem(
            ComponentKind kind, String name, String version, String requires, List<String> aliases) {
        if (name == null || !NAME.matcher(name).matches())
            return "invalid name '" + name + "': use lower-case ASCII letters, digits, '.', '_' or '-'";
        if (aliases == null) return "aliases() returned null; return an empty list for none";
        Set<String> seen = new HashSet<>(Set.of(name));
        for (String alias : aliases) {
            if (alias == null || !ALIAS.matcher(alias).matches())
                return "invalid alias '" + alias + "': use ASCII letters, digits, '.', '_' or '-'";
            if (!seen.add(alias.toLowerCase(Locale.ROOT)))
                return "alias '" + alias + "' repeats its name or another alias (they are matched ignoring case)";
        }
        try {
            SemVer.parse(version);
        } catch (RuntimeException e) {
            return "invalid version: " + e.getMessage();
        }
        VersionRange range;
        try {
            range = VersionRange.parse(requires);
        } catch (RuntimeException e) {
            return "invalid API range '" + requires + "': " + e.getMessage();
        }
        if (!range.admitsCurrentApi())
            return "requires tarflow API " + range + ", but this host provides API " + ApiVersion.CURRENT
                    + "; use a build of the " + kind.label() + " made for API " + ApiVersion.CURRENT;
        return null;
    }

    private int size() {
        return byName.values().stream().mapToInt(Map::size).sum();
    }

    /** All accepted providers by kind, then name. */
    public List<Registered> all() {
        return byName.values().stream()
                .flatMap(m -> m.values().stream())
                .sorted(Comparator.comparing(Registered::kind).thenComparing(Registered::name))
                .toList();
    }

    public List<Registered> all(ComponentKind kind) {
        return all().stream().filter(r -> r.kind() == kind).toList();
    }

    public List<Refusal> refused() {
        return List.copyOf(refused);
    }

    /** What every command should tell the user about this registry: which of two providers of one name is used. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The plugins folder this registry was loaded from; null for the host's providers only. */
    public Path folder() {
        return folder;
    }

    /**
     * The provider of {@code kind} that answers to {@code name} (its name or an alias, in any case); unknown names fail
     * with the list of what is available.
     */
    public Registered find(ComponentKind kind, String name) {
        Registered r = lookup(kind, name);
        if (r != null) return r;
        String available = all(kind).stream().map(Registered::describe).collect(Collectors.joining(", "));
        String refusedHere = refused.stream()
                .filter(f -> f.plugin().contains("'" + name + "'"))
                .map(Refusal::toString)
                .collect(Collectors.joining("; "));
        throw new TarflowException("no " + kind.label() + " named '" + name + "'; available: "
                + (available.isEmpty() ? "none" : available)
                + (refusedHere.isEmpty() ? "" : ". Refused: " + refusedHere)
                + ". Check the name, or put the plugin's jar into the plugins folder (see 'tarflow plugins').");
    }

    @Override
    public String canonical(ComponentKind kind, String name) {
        Registered r = lookup(kind, name);
        return r == null ? name : r.name();
    }

    /** Whether a provider of {@code kind} answers to {@code name} (its name or an alias, in any case). */
    public boolean knows(ComponentKind kind, String name) {
        return lookup(kind, name) != null;
    }

    private Registered lookup(ComponentKind kind, String name) {
        if (name == null) return null;
        Registered r = byName.get(kind).get(name);
        return r != null ? r : byKey.get(kind).get(name.toLowerCase(Locale.ROOT));
    }

    /** The providers whose service interface is {@code type}, by name. */
    public <P extends Provider<?, ?>> Catalog<P> catalog(Class<P> type) {
        for (ComponentKind kind : ComponentKind.values())
            if (kind.service() == type) return new Catalog<>(this, kind, type);
        throw new IllegalArgumentException(type + " is not the service interface of a component kind");
    }
}
