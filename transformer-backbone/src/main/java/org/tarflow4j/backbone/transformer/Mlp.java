package org.tarflow4j.backbone.transformer;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Position-wise two-layer perceptron with a GELU. */
final class Mlp extends Module {
    private final LinearImpl fc1;
    private final LinearImpl fc2;

    Mlp(int width, int hidden) {
        this.fc1 = register_module("fc1", new LinearImpl(width, hidden));
        this.fc2 = register_module("fc2", new LinearImpl(hidden, width));
    }

    Tensor forward(Tensor x) {
        return fc2.forward(torch.gelu(fc1.forward(x)));
    }
}
