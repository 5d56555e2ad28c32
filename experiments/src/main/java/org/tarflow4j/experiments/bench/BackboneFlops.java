package org.tarflow4j.experiments.bench;

import org.tarflow4j.api.Backbone;

/**
 * The FLOPs of one backbone's forward pass over one sequence, as the backbone counts them
 * ({@link Backbone#forwardFlops}); training costs three times the forward pass (the backward pass two).
 *
 * @param positions          positions per sequence
 * @param forwardPerSequence FLOPs of one forward pass over one sequence, {@code NaN} where the backbone cannot say
 */
public record BackboneFlops(long positions, double forwardPerSequence) {
    public static final String FORMULA = "forward FLOPs per sequence as each backbone counts them (the transformer:"
            + " 2·P·T + 4·T²·W·L, P: parameters of linear weight matrices, T: positions, W: width, L: blocks);"
            + " training = 3 × forward";

    public static BackboneFlops of(Backbone backbone, long positions) {
        return new BackboneFlops(positions, backbone.forwardFlops(positions));
    }

    /** Forward and backward pass over {@code sequences} sequences. */
    public double training(long sequences) {
        return 3.0 * forwardPerSequence * sequences;
    }
}
