package org.tarflow4j.coupling.rosenblatt;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Modules;
import org.tarflow4j.api.Placement;

/** The linear map from features to the mixture logits of each token of a patch, run in the features' dtype. */
final class LogitHead extends Module {
    /** Small weights: the weights start close to uniform, so the codebook alone shapes the initial map. */
    private static final double INIT_GAIN = 0.01;

    private final Tensor weight;
    private final Tensor bias;

    LogitHead(int featureWidth, long outputs) {
        super("LogitHead");
        weight = Modules.parameter(
                this,
                "weight",
                torch.randn(new long[] {outputs, featureWidth}, Placement.CPU.options())
                        .mul(new Scalar(INIT_GAIN / Math.sqrt(featureWidth))));
        bias = Modules.parameter(this, "bias", torch.zeros(new long[] {outputs}, Placement.CPU.options()));
    }

    Tensor forward(Tensor features) {
        return torch.linear(
                features, weight.to(features.scalar_type()), new TensorOptional(bias.to(features.scalar_type())));
    }
}
