package org.tarflow4j.backbone.transformer;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Multi-head self-attention with queries, keys and values from one matmul. */
final class Attention extends Module {
    private final LinearImpl qkv;
    private final LinearImpl proj;
    private final int heads;
    private final double dropout;

    Attention(int width, int heads, double dropout) {
        this.qkv = register_module("qkv", new LinearImpl(width, 3L * width));
        this.proj = register_module("proj", new LinearImpl(width, width));
        this.heads = heads;
        this.dropout = dropout;
    }

    /** Causal attention over every position of {@code x [B, T, D]}. */
    Tensor forward(Tensor x) {
        TensorVector qkv = split(x);
        return proj.forward(merge(attend(qkv.get(0), qkv.get(1), qkv.get(2), true)));
    }

    /**
     * Scaled dot-product attention, always in float32: under bf16 autocast libtorch's CPU kernel for it runs in bf16
     * and is measured 8-18x slower than in float32 here, while the matmuls around it gain from bf16.
     */
    private Tensor attend(Tensor q, Tensor k, Tensor v, boolean causal) {
        double p = is_training() ? dropout : 0.0;
        if (!torch.is_autocast_enabled(torch.DeviceType.CPU))
            return torch.scaled_dot_product_attention(
                    q, k, v, new TensorOptional(), p, causal, new DoubleOptional(), false);
        torch.set_autocast_enabled(torch.DeviceType.CPU, false);
        try {
            Tensor f = torch.scaled_dot_product_attention(
                    q.to(torch.ScalarType.Float),
                    k.to(torch.ScalarType.Float),
                    v.to(torch.ScalarType.Float),
                    new TensorOptional(),
                    p,
                    causal,
                    new DoubleOptional(),
                    false);
            return f.to(q.scalar_type());
        } finally {
            torch.set_autocast_enabled(torch.DeviceType.CPU, true);
        }
    }

    /**
     * Attention of one new position {@code x [B, 1, D]} at {@code position} over the cached positions and
     * itself; nothing later is in the cache, so no mask is needed.
     */
    Tensor step(Tensor x, KeyValueCache cache, long position) {
        TensorVector qkv = split(x);
        cache.write(position, qkv.get(1), qkv.get(2));
        return proj.forward(merge(attend(qkv.get(0), cache.keys(position + 1), cache.values(position + 1), false)));
    }

    /** {@code [B, T, D]} to queries, keys and values {@code [B, H, T, D/H]} (views of one matmul's output). */
    private TensorVector split(Tensor x) {
        long b = x.size(0), t = x.size(1);
        return qkv.forward(x).view(b, t, 3, heads, -1).permute(2, 0, 3, 1, 4).unbind(0);
    }

    private static Tensor merge(Tensor a) {
        return a.transpose(1, 2).flatten(2, 3);
    }
}
