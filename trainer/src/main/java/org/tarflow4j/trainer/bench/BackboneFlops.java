package org.tarflow4j.trainer.bench;

import java.util.Map;
import org.bytedeco.pytorch.StringTensorDict;
import org.tarflow4j.api.Backbone;

/**
 * The FLOPs of one backbone's forward pass over one sequence, counted analytically: {@code 2·P·T} for the matmuls of
 * its linear layers ({@code P} the parameters of its weight matrices, {@code T} positions) plus {@code 4·T²·W·L} for
 * attention ({@code Q·Kᵀ} and {@code A·V}, each {@code 2·T²·W} per block, counted in full although causal masking
 * needs about half; {@code W} the feature width, {@code L} the backbone's {@code depth} option, 0 when it has none).
 * Training costs three times the forward pass (the backward pass two).
 *
 * @param linearParameters parameters of the weight matrices of linear layers (2-D tensors named {@code *weight})
 * @param attentionBlocks  blocks with a {@code T×T} attention
 */
public record BackboneFlops(long linearParameters, int attentionBlocks, int width, long positions) {
    public static final String FORMULA =
            "forward FLOPs per sequence = 2·P·T + 4·T²·W·L (P: parameters of linear weight "
                    + "matrices, T: positions, W: feature width, L: attention blocks = the backbone's depth); training = 3 × forward";

    /** @param options the backbone's resolved options, where {@code depth} gives the attention blocks */
    public static BackboneFlops of(Backbone backbone, Map<String, Object> options, long positions) {
        long linear = 0;
        StringTensorDict named = backbone.module().named_parameters();
        for (long i = 0; i < named.size(); i++) {
            String name = named.get(i).key().getString();
            if (named.get(i).value().dim() == 2 && name.endsWith("weight"))
                linear += named.get(i).value().numel();
        }
        int depth = options.get("depth") instanceof Number n ? n.intValue() : 0;
        return new BackboneFlops(linear, depth, backbone.featureWidth(), positions);
    }

    public double forwardPerSequence() {
        return 2.0 * linearParameters * positions + 4.0 * positions * positions * width * attentionBlocks;
    }

    /** Forward and backward pass over {@code sequences} sequences. */
    public double training(long sequences) {
        return 3.0 * forwardPerSequence() * sequences;
    }
}
