package org.tarflow4j.core.plugin;

/**
 * Turns the name a configuration gives a component into the name its provider goes by: an alias such as the paper's
 * {@code Mix-1}, or a name in other case, becomes {@code mog}. Configurations are read with one, so that what they
 * store (in run directories and checkpoints) names each component by its canonical name.
 */
@FunctionalInterface
public interface ComponentNames {
    /** Names as written: no provider is known, so nothing is resolved. */
    ComponentNames LITERAL = (kind, name) -> name;

    /** The canonical name of the component of {@code kind} that answers to {@code name}; {@code name} when none does. */
    String canonical(ComponentKind kind, String name);
}
