package org.tarflow4j.tensorboard;

import java.util.List;
import java.util.Objects;

/**
 * A hyperparameter that TensorBoard's HParams dashboard compares runs by, with the values it takes (a sweep's grid
 * axis). Values are all strings, all numbers, or all booleans; an empty list declares the hyperparameter without a
 * domain.
 *
 * @param name the key that runs use in {@link SummaryWriter#hparamsSessionStart}
 * @param values the discrete domain
 * @param displayName the column title, or empty for the name
 * @param description a tooltip, or empty
 */
public record HParam(String name, List<?> values, String displayName, String description) {
    public HParam {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an hparam needs a name");
        }
        values = List.copyOf(values);
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(description, "description");
    }

    /** A hyperparameter with its name as title and no description. */
    public HParam(String name, List<?> values) {
        this(name, values, "", "");
    }
}
