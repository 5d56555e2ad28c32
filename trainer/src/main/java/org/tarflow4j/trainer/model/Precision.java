package org.tarflow4j.trainer.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;

/** Where reduced precision is allowed: the backbones, under CPU bf16 autocast; their features come back in float32. */
public final class Precision {
    private Precision() {}

    public static Tensor features(Backbone backbone, Tensor x, boolean bf16) {
        if (!bf16) return backbone.forward(x);
        torch.set_autocast_dtype(torch.DeviceType.CPU, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(torch.DeviceType.CPU, true);
        try {
            return backbone.forward(x).to(torch.ScalarType.Float);
        } finally {
            torch.set_autocast_enabled(torch.DeviceType.CPU, false);
        }
    }
}
