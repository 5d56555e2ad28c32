package org.tarflow4j.core.plugin;

/**
 * A plugin or provider the registry did not load, and why.
 *
 * @param plugin what was refused: a provider's name and version, or a jar
 * @param origin where it came from
 */
public record Refusal(String plugin, String origin, String reason) {
    @Override
    public String toString() {
        return plugin + " (" + origin + "): " + reason;
    }
}
