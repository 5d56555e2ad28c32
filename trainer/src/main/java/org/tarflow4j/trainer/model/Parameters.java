package org.tarflow4j.trainer.model;

import java.lang.ref.Reference;
import java.util.Arrays;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A libtorch module's parameters as tensors of their own. {@code module.parameters().get()} returns views into the
 * {@code TensorVector} libtorch filled; in a loop over them that vector is no longer reachable, and the garbage
 * collector may free it while its elements are still read (a test JVM crashed so in {@code TensorBase.numel}). Each
 * tensor here is a handle of its own on the same parameter (writes and {@code requires_grad} reach the module).
 */
public final class Parameters {
    private Parameters() {}

    /** {@code module}'s parameters, in {@code parameters()} order. */
    public static Tensor[] of(Module module) {
        TensorVector all = module.parameters();
        Tensor[] out = Arrays.stream(all.get()).map(Tensor::new).toArray(Tensor[]::new);
        Reference.reachabilityFence(all);
        return out;
    }

    /** How many elements {@code module}'s parameters hold. */
    public static long count(Module module) {
        return Arrays.stream(of(module)).mapToLong(Tensor::numel).sum();
    }
}
