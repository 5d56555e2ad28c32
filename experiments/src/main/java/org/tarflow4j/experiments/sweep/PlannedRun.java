package org.tarflow4j.experiments.sweep;

import java.util.List;
import java.util.Map;

/**
 * One run of a sweep.
 *
 * @param name      its directory under the sweep directory
 * @param values    its point on each axis, by axis name, as labelled
 * @param layers    the number of flow layers, 0 for the base's
 * @param overrides its settings as {@code --set} would give them: the sweep's, then the axes'
 */
public record PlannedRun(String name, Map<String, String> values, int layers, List<String> overrides) {
    /** The swept values as {@code axis=value, ...}, for messages. */
    public String describe() {
        return values.isEmpty()
                ? "the base config"
                : String.join(
                        ", ",
                        values.entrySet().stream()
                                .map(e -> e.getKey() + "=" + e.getValue())
                                .toList());
    }
}
