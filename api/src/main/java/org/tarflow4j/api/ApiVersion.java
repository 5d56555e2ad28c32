package org.tarflow4j.api;

/** The version of these interfaces (Semantic Versioning). Providers state the range they accept in {@link Provider#requires()}. */
public final class ApiVersion {
    /** Minor releases only add (default methods, new records); a major release may break providers. */
    public static final String CURRENT = "1.0.0";

    private ApiVersion() {}
}
