package org.tarflow4j.core.plugin;

import java.util.List;
import org.tarflow4j.api.Provider;

/**
 * The accepted providers of one kind, by name: how the host turns {@code coupling = "mog"} into the provider that
 * makes it. An unknown name is an error listing what is available and what was refused under that name.
 *
 * @param <P> the kind's service interface, e.g. {@code CouplingProvider}
 */
public final class Catalog<P extends Provider<?, ?>> {
    private final PluginRegistry registry;
    private final ComponentKind kind;
    private final Class<P> type;

    Catalog(PluginRegistry registry, ComponentKind kind, Class<P> type) {
        this.registry = registry;
        this.kind = kind;
        this.type = type;
    }

    public ComponentKind kind() {
        return kind;
    }

    /** The provider that answers to {@code name} (or an alias); unknown names fail with the list of what is available. */
    public P get(String name) {
        return type.cast(registry.find(kind, name).provider());
    }

    /** Whether a provider answers to {@code name} (its name or an alias, in any case). */
    public boolean has(String name) {
        return registry.knows(kind, name);
    }

    /** The name of the provider that answers to {@code name}; {@code name} when none does. */
    public String canonical(String name) {
        return registry.canonical(kind, name);
    }

    public List<Registered> all() {
        return registry.all(kind);
    }
}
