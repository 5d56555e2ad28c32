package org.tarflow4j.trainer.model;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Every tensor a model's Java objects hold, found by reflection: fields of type {@code Tensor} in the model's classes
 * and its components' (the built-in plugins' packages are opened to the trainer's tests for this), and the weights of
 * libtorch's own layers ({@code Linear}, {@code LayerNorm}, {@code Embedding}). Fields whose package is not open and
 * that may hold tensors are listed in {@link #closed()}, so that a walk never passes silently over them.
 */
final class HeldTensors {
    /** Where a tensor was found ({@code TarFlowLM.layers[1].coupling.head.weight}) and a way to replace it. */
    interface Visitor {
        /** Returns the tensor the holder should hold instead, or null to leave it. */
        Tensor visit(String path, Tensor tensor);
    }

    private final Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<String> closed = new ArrayList<>();
    private final Visitor visitor;

    private HeldTensors(Visitor visitor) {
        this.visitor = visitor;
    }

    /** Visits every tensor reachable from {@code root}; returns the fields it could not read. */
    static List<String> walk(Object root, Visitor visitor) {
        HeldTensors h = new HeldTensors(visitor);
        h.object(root, root.getClass().getSimpleName());
        return h.closed;
    }

    private void object(Object o, String path) {
        if (o == null || o instanceof Tensor || !seen.add(o)) return;
        if (o instanceof LinearImpl l) {
            Tensor w = visitor.visit(path + ".weight", l.weight());
            if (w != null) l.weight(w);
            if (l.bias().defined()) {
                Tensor b = visitor.visit(path + ".bias", l.bias());
                if (b != null) l.bias(b);
            }
            return;
        }
        if (o instanceof LayerNormImpl l) {
            if (l.weight().defined()) {
                Tensor w = visitor.visit(path + ".weight", l.weight());
                if (w != null) l.weight(w);
            }
            if (l.bias().defined()) {
                Tensor b = visitor.visit(path + ".bias", l.bias());
                if (b != null) l.bias(b);
            }
            return;
        }
        if (o instanceof EmbeddingImpl e) {
            Tensor w = visitor.visit(path + ".weight", e.weight());
            if (w != null) e.weight(w);
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object x : new ArrayList<>(c)) object(x, path + "[" + i++ + "]");
            return;
        }
        if (o instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) object(e.getValue(), path + "[" + e.getKey() + "]");
            return;
        }
        if (o instanceof Optional<?> opt) {
            opt.ifPresent(x -> object(x, path));
            return;
        }
        if (o.getClass().isArray()) {
            if (o.getClass().getComponentType().isPrimitive()) return;
            for (int i = 0; i < Array.getLength(o); i++) {
                Object x = Array.get(o, i);
                if (x instanceof Tensor t) tensor(path + "[" + i + "]", t);
                else object(x, path + "[" + i + "]");
            }
            return;
        }
        if (!ours(o.getClass())) return;
        for (Class<?> c = o.getClass(); c != null && c != Module.class && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) continue;
                String at = path + "." + f.getName();
                if (!f.trySetAccessible()) {
                    if (mayHoldTensors(f.getType())) closed.add(at + " (" + c.getName() + ")");
                    continue;
                }
                Object value;
                try {
                    value = f.get(o);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                if (value instanceof Tensor t) tensor(at, t);
                else object(value, at);
            }
        }
    }

    /** Rebinds the Java object {@code t} (what the field holds) to the visitor's replacement. */
    private void tensor(String path, Tensor t) {
        if (t.isNull() || !t.defined()) return;
        Tensor replacement = visitor.visit(path, t);
        if (replacement != null) t.put(replacement);
    }

    private static boolean mayHoldTensors(Class<?> type) {
        return Tensor.class.isAssignableFrom(type)
                || Module.class.isAssignableFrom(type)
                || Collection.class.isAssignableFrom(type)
                || Map.class.isAssignableFrom(type)
                || type.isArray()
                || type == Object.class
                || type.isInterface();
    }

    /** Classes whose fields may hold the model's tensors: tarflow4j's, its plugins' and modules written in Java. */
    private static boolean ours(Class<?> c) {
        String name = c.getName();
        return name.startsWith("org.tarflow4j.") || name.startsWith("org.example.") || Module.class.isAssignableFrom(c);
    }
}
