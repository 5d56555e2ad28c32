package org.tarflow4j.coupling.mog;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Modules;
import org.tarflow4j.api.Placement;

/** The linear map from features to raw mixture parameters, run in the features' dtype. */
final class FeatureHead extends Module {
    /** Small weights: at initialisation the parameters are the bias, so the map starts near the identity. */
    private static final double INIT_GAIN = 0.01;

    private final Tensor weight;
    private final Tensor bias;

    FeatureHead(int featureWidth, Tensor initialBias) {
        super("FeatureHead");
        long out = initialBias.size(0);
        weight = Modules.parameter(
                this,
                "weight",
                torch.randn(new long[] {out, featureWidth}, Placement.CPU.options())
                        .mul(new Scalar(INIT_GAIN / Math.sqrt(featureWidth))));
        bias = Modules.parameter(this, "bias", initialBias.to(torch.ScalarType.Float));
    }

    Tensor forward(Tensor features) {
        return torch.linear(
                features, weight.to(features.scalar_type()), new TensorOptional(bias.to(features.scalar_type())));
    }
}
