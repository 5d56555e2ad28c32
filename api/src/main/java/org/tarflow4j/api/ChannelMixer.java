package org.tarflow4j.api;

import org.bytedeco.pytorch.Tensor;

/**
 * An invertible map applied across the channels of each position after a layer's coupling ({@code [B, T, C]}),
 * so that the next layer sees the channels in another arrangement.
 */
public interface ChannelMixer extends Component {
    Transformed forward(Tensor x);

    Tensor inverse(Tensor y);
}
