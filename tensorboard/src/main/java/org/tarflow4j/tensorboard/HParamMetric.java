package org.tarflow4j.tensorboard;

import java.util.Objects;

/**
 * A metric that TensorBoard's HParams dashboard shows for every run: the last value of the scalar {@code tag} in the
 * run's directory, or in its sub-directory {@code group} when that is not empty.
 *
 * @param tag the scalar's tag, e.g. {@code "val/bpc"}
 * @param group a sub-directory of the run holding the scalar, or empty
 * @param displayName the column title, or empty for the tag
 * @param description a tooltip, or empty
 */
public record HParamMetric(String tag, String group, String displayName, String description) {
    public HParamMetric {
        Objects.requireNonNull(tag, "tag");
        if (tag.isBlank()) {
            throw new IllegalArgumentException("a metric needs a tag");
        }
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(description, "description");
    }

    /** The scalar {@code tag} in the run's own directory, titled by its tag. */
    public HParamMetric(String tag) {
        this(tag, "", "", "");
    }
}
