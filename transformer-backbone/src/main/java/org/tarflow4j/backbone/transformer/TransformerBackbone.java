package org.tarflow4j.backbone.transformer;

import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.Modules;
import org.tarflow4j.api.Placement;

/**
 * Causal pre-LN transformer. The input is projected to the width and shifted right by one position, a learned
 * start vector taking position 0, so that the features at position t see {@code x[:, <t]} only. A final LayerNorm
 * gives every position features of unit scale, whatever the depth, for the couplings' zero-initialised heads.
 */
final class TransformerBackbone extends Module implements Backbone {
    private static final double EMBEDDING_STD = 0.02;

    private final TransformerConfig config;
    private final BackboneContext context;
    private final LinearImpl inputProjection;
    private final Tensor start;
    private final Tensor positionEmbedding;
    private final AttentionBlock[] blocks;
    private final LayerNormImpl finalNorm;

    TransformerBackbone(TransformerConfig config, BackboneContext context) {
        if (context.channels() < 1 || context.positions() < 1)
            throw new IllegalArgumentException(
                    "a transformer backbone needs at least one channel and one position, got " + context);
        this.config = config;
        this.context = context;
        int width = config.width();
        this.inputProjection = register_module("input_projection", new LinearImpl(context.channels(), width));
        this.start = Modules.parameter(
                this,
                "start",
                torch.randn(new long[] {width}, Placement.CPU.options()).mul(new Scalar(EMBEDDING_STD)));
        this.positionEmbedding = Modules.parameter(
                this,
                "position_embedding",
                torch.randn(new long[] {context.positions(), width}, Placement.CPU.options())
                        .mul(new Scalar(EMBEDDING_STD)));
        this.blocks = new AttentionBlock[config.depth()];
        for (int i = 0; i < blocks.length; i++) blocks[i] = register_module("block" + i, new AttentionBlock(config));
        this.finalNorm = register_module("final_norm", new LayerNormImpl(new LongVector(new long[] {width})));
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, 0);
    }

    /** Position i of {@code x} takes position embedding {@code offset + i}. */
    @Override
    public Tensor forward(Tensor x, long offset) {
        checkChannels(x);
        if (x.size(1) < 1 || offset < 0 || offset + x.size(1) > context.positions())
            throw new IllegalArgumentException(
                    offset == 0
                            ? "transformer backbone input has " + x.size(1)
                                    + " positions; this backbone was built for 1" + " to " + context.positions()
                            : "transformer backbone input has " + x.size(1) + " positions from position " + offset
                                    + "; this backbone was built for positions 0 to " + (context.positions() - 1));
        long b = x.size(0), t = x.size(1);
        Tensor shifted = torch.cat(new TensorVector(startToken(b), embed(x.narrow(1, 0, t - 1))), 1);
        Tensor h = shifted.add(positionEmbedding.narrow(0, offset, t));
        for (AttentionBlock block : blocks) h = block.forward(h);
        return finalNorm.forward(h).to(dtype());
    }

    @Override
    public int featureWidth() {
        return config.width();
    }

    @Override
    public Stepper stepper(long batch) {
        if (batch < 1)
            throw new IllegalArgumentException("a stepper needs a batch of at least one sequence, got " + batch);
        return new TransformerStepper(this, batch, 0);
    }

    @Override
    public Stepper stepper(long batch, long offset) {
        if (batch < 1)
            throw new IllegalArgumentException("a stepper needs a batch of at least one sequence, got " + batch);
        if (offset < 0 || offset >= context.positions())
            throw new IllegalArgumentException(
                    "a stepper's first position must be 0 to " + (context.positions() - 1) + ", got " + offset);
        return new TransformerStepper(this, batch, offset);
    }

    /** Position embeddings are not weights to shrink: weight decay skips them, as it skips vectors. */
    @Override
    public boolean decays(String name, Tensor parameter) {
        return Backbone.super.decays(name, parameter) && !name.equals("position_embedding");
    }

    /**
     * {@code 2·P·T} for the matmuls of the linear layers ({@code P} the parameters of their weight matrices, {@code T}
     * positions) plus {@code 4·T²·W} per block for attention ({@code Q·Kᵀ} and {@code A·V}, counted in full although
     * causal masking needs about half; {@code W} the width).
     */
    @Override
    public double forwardFlops(long positions) {
        long linear = 0;
        var named = named_parameters();
        for (long i = 0; i < named.size(); i++)
            if (named.get(i).value().dim() == 2
                    && named.get(i).key().getString().endsWith("weight"))
                linear += named.get(i).value().numel();
        return 2.0 * linear * positions + 4.0 * positions * positions * config.width() * blocks.length;
    }

    /**
     * Saved activations in float32, per position: {@code (9 + 2r)·W} per block ({@code r} the MLP ratio: the block's
     * input, its normalised copy, queries, keys and values, the attention output and its merged copy, the residual sum
     * and its normalised copy, the MLP's hidden layer before and after GELU), {@code 4·W} around the blocks (projected
     * input, shifted and position-embedded sequence, final norm), and the backward pass's widest gradients,
     * {@code 2r·W}. With dropout, libtorch's attention keeps its probabilities, {@code H·T} per position and block.
     */
    @Override
    public double trainingBytes(long batch, long positions) {
        long w = config.width();
        long r = config.mlpRatio();
        double perPosition = (blocks.length * (9 + 2 * r) + 4 + 2 * r) * (double) w;
        if (config.dropout() > 0) perPosition += (double) blocks.length * config.heads() * positions;
        return Float.BYTES * perPosition * batch * positions;
    }

    int depth() {
        return blocks.length;
    }

    long positions() {
        return context.positions();
    }

    /** What the blocks read at position 0, {@code [B, 1, D]}. */
    Tensor startToken(long batch) {
        return start.expand(batch, 1, config.width());
    }

    /** What the blocks read at the position after {@code x [B, T, C]}: its projection to the width. */
    Tensor embed(Tensor x) {
        return inputProjection.forward(x.to(dtype()));
    }

    /**
     * Features {@code [B, 1, D]} at {@code position} of the cache from its token, reading and extending the caches;
     * its position embedding is that of {@code offset + position}.
     */
    Tensor step(Tensor token, long position, long offset, KeyValueCache[] caches) {
        Tensor h = token.add(positionEmbedding.narrow(0, offset + position, 1));
        for (int i = 0; i < blocks.length; i++) h = blocks[i].step(h, caches[i], position);
        return finalNorm.forward(h).to(dtype());
    }

    void checkChannels(Tensor x) {
        if (x.dim() != 3 || x.size(2) != context.channels())
            throw new IllegalArgumentException(
                    "transformer backbone input must be [B, T, " + context.channels() + "], got " + shape(x));
    }

    private static String shape(Tensor x) {
        StringBuilder s = new StringBuilder("[");
        for (long i = 0; i < x.dim(); i++) s.append(i == 0 ? "" : ", ").append(x.size(i));
        return s.append(']').toString();
    }

    /** The parameters' dtype, which inputs are cast to and features come out in. */
    private torch.ScalarType dtype() {
        return start.scalar_type();
    }
}
