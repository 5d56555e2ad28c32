package org.tarflow4j.api;

import org.bytedeco.pytorch.Tensor;

/**
 * A coupling whose density at each position is a mixture over one component per vocabulary token (Mix-d tied to the
 * encoder's codebook). Its mixture weights are then a distribution over the tokens of that position given the
 * features: the discrete autoregressive model the flow reduces to as the encoder's scales go to zero (paper Prop. 4).
 */
public interface TokenPredictor {
    /** {@code log π} for the {@code P} tokens of every position: {@code [B, T, P, V]} in float64, from features {@code [B, T, D]}. */
    Tensor tokenLogProbs(Tensor features);
}
