package org.tarflow4j.testkit;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Coupling;

/** Access to a coupling's parameters by their dotted libtorch names, for parameter setters. */
public final class Parameters {
    private Parameters() {}

    /** Every parameter of the coupling's module, e.g. {@code "head.weight"}, in registration order. */
    public static Map<String, Tensor> named(Coupling coupling) {
        StringTensorDict dict = coupling.module().named_parameters(true);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (long i = 0; i < dict.size(); i++) {
            StringTensorDictItem item = dict.get(i);
            out.put(item.key().getString(), item.value());
        }
        return out;
    }

    /** The parameter called {@code name}; fails naming the parameters that exist. */
    public static Tensor get(Coupling coupling, String name) {
        Map<String, Tensor> all = named(coupling);
        Tensor t = all.get(name);
        if (t == null)
            throw new IllegalArgumentException("no parameter '" + name + "'; the coupling has " + all.keySet());
        return t;
    }

    /** Overwrites every parameter with independent draws from {@code N(0, std²)}. */
    public static void fillNormal(Coupling coupling, double std) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (Tensor p : named(coupling).values()) p.normal_().mul_(new Scalar(std));
        }
    }
}
