package org.tarflow4j.backbone.transformer;

import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Pre-LN transformer block: {@code h + attention(norm(h))}, then {@code h + mlp(norm(h))}. */
final class AttentionBlock extends Module {
    private final LayerNormImpl attentionNorm;
    private final Attention attention;
    private final LayerNormImpl mlpNorm;
    private final Mlp mlp;
    private final double dropout;

    AttentionBlock(TransformerConfig config) {
        int width = config.width();
        this.attentionNorm = register_module("attention_norm", new LayerNormImpl(new LongVector(new long[] {width})));
        this.attention = register_module("attention", new Attention(width, config.heads(), config.dropout()));
        this.mlpNorm = register_module("mlp_norm", new LayerNormImpl(new LongVector(new long[] {width})));
        this.mlp = register_module("mlp", new Mlp(width, config.mlpRatio() * width));
        this.dropout = config.dropout();
    }

    Tensor forward(Tensor h) {
        h = h.add(drop(attention.forward(attentionNorm.forward(h))));
        return h.add(drop(mlp.forward(mlpNorm.forward(h))));
    }

    /** The block at one position, reading and extending {@code cache}. */
    Tensor step(Tensor h, KeyValueCache cache, long position) {
        h = h.add(drop(attention.step(attentionNorm.forward(h), cache, position)));
        return h.add(drop(mlp.forward(mlpNorm.forward(h))));
    }

    private Tensor drop(Tensor x) {
        return dropout > 0 && is_training() ? torch.dropout(x, dropout, true) : x;
    }
}
