package org.tarflow4j.trainer.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;

/**
 * Where reduced precision is allowed: the backbones, under bf16 autocast on the device of their input (the CPU's or
 * CUDA's); their features come back in float32. Everything else (the density math of the couplings, the encoder, the
 * prior) runs outside autocast in its own dtype.
 *
 * <p>Autocast keeps a cache of the bf16 copies it made of leaf tensors (the weights) while it is on, and libtorch
 * clears it only when told: {@code torch.autocast} does so on leaving its outermost region, and so does every region
 * here. Without that, the next step's forward pass reads copies of the weights from before the optimizer's update
 * (seen on the CPU with a 2-D input to a linear layer, whose bias and weight were then both stale).
 */
public final class Precision {
    private Precision() {}

    public static Tensor features(Backbone backbone, Tensor x, boolean bf16) {
        return features(backbone, x, 0, bf16);
    }

    /** The features of {@code x} placed from position {@code offset} on ({@link Backbone#forward(Tensor, long)}). */
    public static Tensor features(Backbone backbone, Tensor x, long offset, boolean bf16) {
        torch.DeviceType device = x.device().type();
        if (!bf16 || !autocasts(device)) return forward(backbone, x, offset);
        torch.set_autocast_dtype(device, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(device, true);
        try {
            return forward(backbone, x, offset).to(torch.ScalarType.Float);
        } finally {
            torch.set_autocast_enabled(device, false);
            torch.clear_cache();
        }
    }

    private static Tensor forward(Backbone backbone, Tensor x, long offset) {
        return offset == 0 ? backbone.forward(x) : backbone.forward(x, offset);
    }

    /** Devices with autocast: the CPU and CUDA (the meta device of the shape tests has none). */
    static boolean autocasts(torch.DeviceType device) {
        return device.value == torch.DeviceType.CPU.value || device.value == torch.DeviceType.CUDA.value;
    }
}
