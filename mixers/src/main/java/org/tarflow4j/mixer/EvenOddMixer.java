package org.tarflow4j.mixer;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.Transformed;

/**
 * Even-odd channel mixing between layers: the channels of each position are reordered as {@code 0, 2, 4, …, 1, 3, …},
 * so that a channel-autoregressive coupling in the next layer conditions on a different subset first, and over
 * successive layers every channel comes to depend on every other. A permutation: log-det 0.
 */
final class EvenOddMixer extends Module implements ChannelMixer {
    private final Tensor order;
    private final Tensor inverse;

    EvenOddMixer(int channels) {
        long[] perm = new long[channels];
        long[] inv = new long[channels];
        int k = 0;
        for (int c = 0; c < channels; c += 2) perm[k++] = c;
        for (int c = 1; c < channels; c += 2) perm[k++] = c;
        for (int i = 0; i < channels; i++) inv[(int) perm[i]] = i;
        // Buffers, made on the CPU and moved with the model.
        order = Placement.CPU.longs(perm);
        inverse = Placement.CPU.longs(inv);
        register_buffer("order", order);
        register_buffer("inverse", inverse);
    }

    @Override
    public Transformed forward(Tensor x) {
        return new Transformed(x.index_select(2, order), x.select(2, 0).mul(new org.bytedeco.pytorch.Scalar(0.0)));
    }

    @Override
    public Tensor inverse(Tensor y) {
        return y.index_select(2, inverse);
    }
}
