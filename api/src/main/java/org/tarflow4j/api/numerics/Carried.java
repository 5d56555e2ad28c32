package org.tarflow4j.api.numerics;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * The tensors a loop carries from one iteration to the next, so that each iteration can run in its own
 * {@link PointerScope} and free its temporaries when it ends. Inside a pointer scope every tensor a loop creates
 * stays allocated until the scope closes: a loop over the {@code d} channels of a Rosenblatt transform, or over the
 * Newton iterations of a root finder, would hold every iteration's temporaries at once. (Tensors the autograd graph
 * saves stay alive through the graph's own references; only the Java handles go.)
 *
 * <pre>{@code
 * try (Carried carried = new Carried()) {
 *     carried.hold(state);
 *     for (int i = 0; i < n; i++) {
 *         try (PointerScope step = new PointerScope()) {
 *             state = next(state);          // temporaries belong to step
 *             carried.hold(state);          // state outlives step; the previous one is let go
 *         }
 *     }
 * }                                         // the last state now belongs to the enclosing scope
 * }</pre>
 *
 * <p>A tensor that was let go must not be used again from Java. With no pointer scope open around the loop, the
 * carried tensors end up with the garbage collector.
 */
public final class Carried implements AutoCloseable {
    private final PointerScope outer = PointerScope.getInnerScope();
    private List<Tensor> held = new ArrayList<>();

    /** Keeps {@code tensors} past the current scope and lets go of those held before that are not among them. */
    public void hold(Tensor... tensors) {
        List<Tensor> now = new ArrayList<>();
        for (Tensor t : tensors)
            if (t != null) {
                t.retainReference();
                now.add(t);
            }
        for (Tensor t : held) t.releaseReference();
        held = now;
    }

    /** Hands the tensors held last to the scope that was open when this was created. */
    @Override
    public void close() {
        if (outer != null)
            for (Tensor t : held) {
                outer.attach(t);
                t.releaseReference();
            }
        held = new ArrayList<>();
    }
}
