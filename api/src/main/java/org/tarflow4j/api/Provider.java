package org.tarflow4j.api;

/**
 * A named, versioned factory for one kind of component. Implementations are found with
 * {@link java.util.ServiceLoader}: declare them with {@code provides … with …} in {@code module-info.java}
 * and with {@code @AutoService} for class-path use.
 *
 * @param <T> what the provider creates
 * @param <C> the context it creates it in
 */
public interface Provider<T, C> {
    /** Stable lower-case ASCII name used in configs and persisted in checkpoints, e.g. {@code "mog"}. */
    String name();

    /** This provider's own version (SemVer), recorded in checkpoints. */
    String version();

    /** The range of {@link ApiVersion#CURRENT} this provider was built for, e.g. {@code "^1.0"} or {@code ">=1.0.0 <2.0.0"}. */
    String requires();

    /** One line for {@code tarflow plugins}. */
    String description();

    /**
     * Creates a component. Read every option you accept from {@code options}; keys you do not read are
     * reported to the user as unknown.
     */
    T create(Options options, C context);
}
