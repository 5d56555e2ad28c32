package org.tarflow4j.trainer.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Placement;

/**
 * Puts a model or component built on the CPU on libtorch's meta device, for tests: {@code Module.to(meta)} cannot
 * (libtorch refuses to swap a CPU parameter's storage for a meta one), so every tensor its Java objects hold
 * ({@link HeldTensors}) is rebound, in place, to a meta copy. One copy per tensor: holders that share a tensor share
 * its copy. Tensors that required gradients become meta leaves that require them, listed in {@link #leaves()} for
 * gradient checks (the module's own parameter table keeps the CPU tensors).
 */
final class MetaMirror {
    private final Map<Long, Tensor> copies = new LinkedHashMap<>();
    private final Map<String, Tensor> leaves = new LinkedHashMap<>();
    private List<String> closed;

    private MetaMirror() {}

    static MetaMirror of(Object root) {
        MetaMirror m = new MetaMirror();
        m.closed = HeldTensors.walk(root, m::meta);
        return m;
    }

    /** Fields that may hold tensors and could not be read (their package is not open to the tests). */
    List<String> closed() {
        return closed;
    }

    /** The meta tensors that require gradients, by where they were found. */
    Map<String, Tensor> leaves() {
        return leaves;
    }

    /** Where the meta backward pass left no gradient. */
    List<String> withoutGradient() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
            Tensor g = e.getValue().grad();
            if (!g.defined() || !g.is_meta()) out.add(e.getKey());
        }
        return out;
    }

    private Tensor meta(String path, Tensor t) {
        if (t.is_meta()) return null;
        long key = t.unsafeGetTensorImpl().address();
        Tensor copy = copies.get(key);
        if (copy == null) {
            boolean grad = t.requires_grad();
            copy = Placement.META.put(t.detach()).requires_grad_(grad);
            copy.retainReference();
            copies.put(key, copy);
            if (grad) leaves.put(path, copy);
        }
        return copy;
    }
}
