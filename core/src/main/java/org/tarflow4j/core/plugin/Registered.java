package org.tarflow4j.core.plugin;

import org.tarflow4j.api.Provider;

/**
 * A provider the registry accepted.
 *
 * @param origin {@link #BUILT_IN} for providers of the host, else the plugin jar or folder it was loaded from
 */
public record Registered(ComponentKind kind, Provider<?, ?> provider, String origin) {
    public static final String BUILT_IN = "built-in";

    public String name() {
        return provider.name();
    }

    public String version() {
        return provider.version();
    }
}
