package org.tarflow4j.coupling.rosenblatt;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Codebook;
import org.tarflow4j.api.Modules;
import org.tarflow4j.api.Placement;

/**
 * The coupling's own components {@code N(μ_k, σ_k² I)}: means drawn from {@code N(0, meanStd²)}, all scales
 * {@code scale}. With the defaults (0.5 and √0.75) each coordinate of the mixture has unit variance.
 */
final class LearnedCodebook extends Module implements Codebook {
    private final Tensor means;
    private final Tensor logScales;

    LearnedCodebook(int vocab, int tokenChannels, double meanStd, double scale) {
        super("LearnedCodebook");
        // Made on the CPU from the seeded generator and moved with the model.
        means = Modules.parameter(
                this,
                "means",
                torch.randn(new long[] {vocab, tokenChannels}, Placement.CPU.options())
                        .mul(new Scalar(meanStd)));
        logScales = Modules.parameter(
                this,
                "log_scales",
                torch.full(new long[] {vocab}, new Scalar(Math.log(scale)), Placement.CPU.options()));
    }

    @Override
    public Tensor means() {
        return means;
    }

    @Override
    public Tensor logScales() {
        return logScales;
    }
}
