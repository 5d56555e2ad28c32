package org.tarflow4j.testkit;

import java.util.function.Consumer;
import org.bytedeco.pytorch.NoGradGuard;
import org.tarflow4j.api.Coupling;

/**
 * A named way to put a freshly created coupling's parameters into a state the checks then run in.
 *
 * @param name   shown in the test report, e.g. {@code "scales 1e-4"}
 * @param setter overwrites parameters in place (it runs without gradient tracking, inside a pointer scope)
 */
public record ParameterState(String name, Consumer<Coupling> setter) {
    /** The parameters as {@link org.tarflow4j.api.CouplingProvider#create} left them. */
    public static ParameterState initial() {
        return new ParameterState("initial", c -> {});
    }

    /** Every parameter drawn from {@code N(0, std²)}. */
    public static ParameterState random(double std) {
        return new ParameterState("random N(0, " + std + "²)", c -> Parameters.fillNormal(c, std));
    }

    /** This state, then {@code next} on top of it, under {@code next}'s name. */
    public ParameterState then(ParameterState next) {
        return new ParameterState(next.name, setter.andThen(next.setter));
    }

    public void applyTo(Coupling coupling) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            setter.accept(coupling);
        }
    }
}
