package org.tarflow4j.testkit;

import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
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

    /**
     * Converts every floating-point parameter and buffer of {@code module} to {@code dtype} and leaves integer and
     * boolean buffers (indices, masks) as they are, as PyTorch's {@code Module.to(dtype)} does. libtorch's C++
     * {@code Module::to(dtype)}, which the Java {@code module.to(dtype, false)} calls, converts every buffer, so an
     * index buffer would become float and break {@code index_select}.
     */
    public static void toFloating(Module module, torch.ScalarType dtype) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (Tensor t : named(module).values())
                if (t.__dispatch_is_floating_point()) t.__dispatch_set_data(t.to(dtype));
            for (Tensor t : ModuleChecks.tensors(module.named_buffers(true)).values())
                if (t.__dispatch_is_floating_point()) t.__dispatch_set_data(t.to(dtype));
        }
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
