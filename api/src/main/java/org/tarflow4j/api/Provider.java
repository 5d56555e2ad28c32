package org.tarflow4j.api;

import java.util.List;

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

    /**
     * Other names a configuration may give this provider, e.g. the paper's {@code "Mix-1"} for {@code "mog"}: letters,
     * digits, {@code '.'}, {@code '_'} or {@code '-'}. Names and aliases are matched ignoring case; the host refuses a
     * provider whose name or alias another provider of its kind already answers to. Checkpoints and resolved
     * configurations record {@link #name()}. None by default.
     *
     * @since API 1.2.0
     */
    default List<String> aliases() {
        return List.of();
    }

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
