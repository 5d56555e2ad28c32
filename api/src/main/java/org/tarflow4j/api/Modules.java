package org.tarflow4j.api;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** Helpers for components built as libtorch modules from Java. */
public final class Modules {
    private Modules() {}

    /**
     * Registers {@code value} as a parameter of {@code owner} and returns {@code value} itself. Keep what this returns:
     * the tensor {@code register_parameter} returns points into the module's parameter table, which moves when the
     * table grows, so a field holding it reads freed memory after the next registration.
     */
    public static Tensor parameter(Module owner, String name, Tensor value) {
        owner.register_parameter(name, value);
        return value;
    }
}
