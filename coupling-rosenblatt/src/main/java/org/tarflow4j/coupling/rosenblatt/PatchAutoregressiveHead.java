package org.tarflow4j.coupling.rosenblatt;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Modules;
import org.tarflow4j.api.Placement;

/**
 * With patches, what token {@code j ≥ 1} of a patch adds to its mixture logits from the tokens before it in the same
 * patch: {@code W_j gelu(A_j h + B_j x_{<j} + c_j)}, a one-hidden-layer network of the position's features {@code h}
 * and the earlier tokens' latents {@code x_{<j}} ({@code j·d} channels). Without it the tokens of a patch are
 * independent given the features, so the second token is predicted without the first. The dependence is on earlier
 * channels only, so the coupling's Jacobian stays lower triangular and its log-determinant unchanged in form; the
 * inverse then recovers the tokens of a patch one after the other.
 */
final class PatchAutoregressiveHead extends Module {
    /** Small output weights: the correction starts near zero, so the model starts as the independent one. */
    private static final double OUTPUT_GAIN = 0.01;

    private final Tensor[] fromFeatures;
    private final Tensor[] fromTokens;
    private final Tensor[] hiddenBias;
    private final Tensor[] toLogits;

    /** @param hidden the width of the hidden layer */
    PatchAutoregressiveHead(int featureWidth, int patch, int tokenChannels, int vocab, int hidden) {
        super("PatchAutoregressiveHead");
        int n = patch - 1;
        fromFeatures = new Tensor[n];
        fromTokens = new Tensor[n];
        hiddenBias = new Tensor[n];
        toLogits = new Tensor[n];
        for (int j = 1; j < patch; j++) {
            int in = j * tokenChannels;
            fromFeatures[j - 1] = Modules.parameter(this, "features_" + j, init(hidden, featureWidth, 1.0));
            fromTokens[j - 1] = Modules.parameter(this, "tokens_" + j, init(hidden, in, 1.0));
            hiddenBias[j - 1] = Modules.parameter(
                    this, "hidden_bias_" + j, torch.zeros(new long[] {hidden}, Placement.CPU.options()));
            toLogits[j - 1] = Modules.parameter(this, "logits_" + j, init(vocab, hidden, OUTPUT_GAIN));
        }
    }

    private static Tensor init(long out, long in, double gain) {
        return torch.randn(new long[] {out, in}, Placement.CPU.options()).mul(new Scalar(gain / Math.sqrt(in)));
    }

    /**
     * @param j        the token of the patch, {@code 1 ≤ j < P}
     * @param features {@code [r, D]}
     * @param earlier  the latents of tokens {@code 0..j−1} of the patch, {@code [r, j·d]}
     * @return the logits' correction for token {@code j}, {@code [r, V]} in the features' dtype
     */
    Tensor correction(int j, Tensor features, Tensor earlier) {
        torch.ScalarType dtype = features.scalar_type();
        Tensor hidden = torch.linear(
                        features, fromFeatures[j - 1].to(dtype), new TensorOptional(hiddenBias[j - 1].to(dtype)))
                .add(torch.linear(earlier.to(dtype), fromTokens[j - 1].to(dtype)));
        return torch.linear(torch.gelu(hidden), toLogits[j - 1].to(dtype));
    }
}
