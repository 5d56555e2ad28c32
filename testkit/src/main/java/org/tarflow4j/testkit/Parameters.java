package org.tarflow4j.testkit;

import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Coupling;

/** Access to a component's parameters by their dotted libtorch names, for parameter setters. */
public final class Parameters {
    private Parameters() {}

    /** Every parameter of the coupling's module, e.g. {@code "head.weight"}, in registration order. */
    public static Map<String, Tensor> named(Coupling coupling) {
        return named(coupling.module());
    }

    /** Every parameter of a module (a coupling's, a mixer's, a backbone's), in registration order. */
    public static Map<String, Tensor> named(Module module) {
        return ModuleChecks.tensors(module.named_parameters(true));
    }

    /** The parameter called {@code name}; fails naming the parameters that exist. */
    public static Tensor get(Coupling coupling, String name) {
        return get(coupling.module(), name);
    }

    /** The parameter of {@code module} called {@code name}; fails naming the parameters that exist. */
    public static Tensor get(Module module, String name) {
        Map<String, Tensor> all = named(module);
        Tensor t = all.get(name);
        if (t == null)
            throw new IllegalArgumentException("no parameter '" + name + "'; the module has " + all.keySet());
        return t;
    }

    /** Overwrites every parameter with independent draws from {@code N(0, std²)}. */
    public static void fillNormal(Coupling coupling, double std) {
        fillNormal(coupling.module(), std);
    }

    /** Overwrites every parameter of {@code module} with independent draws from {@code N(0, std²)}. */
    public static void fillNormal(Module module, double std) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (Tensor p : named(module).values()) p.normal_().mul_(new Scalar(std));
        }
    }
}
