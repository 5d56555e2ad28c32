package org.tarflow4j.core.plugin;

import java.util.List;
import org.tarflow4j.api.Provider;

/**
 * A provider the registry accepted.
 *
 * @param origin  {@link #BUILT_IN} for providers of the host, else the plugin jar or folder it was loaded from
 * @param aliases the other names it answers to ({@link Provider#aliases()}, read once when it was registered)
 */
public record Registered(ComponentKind kind, Provider<?, ?> provider, String origin, List<String> aliases) {
    public static final String BUILT_IN = "built-in";

    public Registered {
        aliases = List.copyOf(aliases);
    }

    public String name() {
        return provider.name();
    }

    public String version() {
        return provider.version();
    }

    /** {@code mog 2.0.0 (built-in; also Mix-1)}: how messages list what is available. */
    public String describe() {
        return name() + " " + version() + " (" + origin()
                + (aliases.isEmpty() ? "" : "; also " + String.join(", ", aliases)) + ")";
    }
}
