package org.tarflow4j.coupling.mog;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Modules;
import org.tarflow4j.api.Placement;

/**
 * The channel-autoregressive part of the head (MADE): one hidden layer whose masks let the outputs of channel
 * {@code c} see {@code x_{<c}} only, plus the features, which every hidden unit sees. Channel {@code c} (0-based)
 * has degree {@code c + 1}; hidden unit {@code j} has degree {@code m_j ∈ [1, C − 1]}, reads the channels of degree
 * {@code ≤ m_j} and feeds the outputs of channels with degree {@code > m_j}. Runs in the features' dtype.
 */
final class MaskedMlp extends Module {
    private static final double OUTPUT_GAIN = 0.01;
    private final int channels;
    private final int outputsPerChannel;
    private final Tensor inputWeight;
    private final Tensor featureWeight;
    private final Tensor hiddenBias;
    private final Tensor outputWeight;
    private final Tensor inputMask;
    private final Tensor outputMask;

    MaskedMlp(int channels, int featureWidth, int hidden, int outputsPerChannel) {
        super("MaskedMlp");
        this.channels = channels;
        this.outputsPerChannel = outputsPerChannel;
        // Parameters and masks are made on the CPU (from the seeded generator) and moved with the model.
        Tensor degrees = torch.arange(new Scalar(hidden), Placement.CPU.options(torch.ScalarType.Long))
                .remainder(new Scalar(Math.max(channels - 1, 1)))
                .add(new Scalar(1));
        Tensor channelDegrees = torch.arange(new Scalar(channels), Placement.CPU.options(torch.ScalarType.Long))
                .add(new Scalar(1));
        inputMask = buffer(
                "input_mask",
                degrees.unsqueeze(1).ge(channelDegrees.unsqueeze(0)).to(torch.ScalarType.Float));
        Tensor outputDegrees = channelDegrees.repeat_interleave(outputsPerChannel);
        outputMask = buffer(
                "output_mask",
                outputDegrees.unsqueeze(1).gt(degrees.unsqueeze(0)).to(torch.ScalarType.Float));
        inputWeight = Modules.parameter(this, "input_weight", uniform(hidden, channels));
        featureWeight = Modules.parameter(this, "feature_weight", uniform(hidden, featureWidth));
        hiddenBias = Modules.parameter(this, "hidden_bias", torch.zeros(new long[] {hidden}, Placement.CPU.options()));
        outputWeight = Modules.parameter(
                this,
                "output_weight",
                torch.randn(new long[] {(long) channels * outputsPerChannel, hidden}, Placement.CPU.options())
                        .mul(new Scalar(OUTPUT_GAIN / Math.sqrt(hidden))));
    }

    /** The part of the hidden pre-activation that depends on the features only: {@code [B, T, hidden]}. */
    Tensor featureContext(Tensor features) {
        return torch.linear(features, cast(featureWeight, features)).add(cast(hiddenBias, features));
    }

    /**
     * Raw parameters of all channels, {@code [B, T, C · outputsPerChannel]}, computed channel by channel exactly as
     * {@link #channel} computes them, so that the inverse sees bit-identical parameters even in low precision.
     */
    Tensor forward(Tensor context, Tensor x) {
        Tensor hidden = hidden(context, x);
        TensorVector perChannel = new TensorVector();
        for (int c = 0; c < channels; c++) perChannel.push_back(torch.linear(hidden, channelWeight(c, context)));
        return torch.cat(perChannel, -1);
    }

    /** Raw parameters of channel {@code c} alone, {@code [B, T, outputsPerChannel]}. */
    Tensor channel(Tensor context, Tensor x, int c) {
        return torch.linear(hidden(context, x), channelWeight(c, context));
    }

    private Tensor channelWeight(int c, Tensor like) {
        long rows = outputsPerChannel;
        return cast(outputWeight.narrow(0, c * rows, rows).mul(outputMask.narrow(0, c * rows, rows)), like);
    }

    private Tensor hidden(Tensor context, Tensor x) {
        Tensor input = x.to(context.scalar_type());
        return torch.gelu(context.add(torch.linear(input, cast(inputWeight.mul(inputMask), context))));
    }

    private static Tensor cast(Tensor t, Tensor like) {
        return t.to(like.scalar_type());
    }

    private static Tensor uniform(long rows, long columns) {
        double bound = 1.0 / Math.sqrt(columns);
        return torch.rand(new long[] {rows, columns}, Placement.CPU.options())
                .mul(new Scalar(2 * bound))
                .sub(new Scalar(bound));
    }

    /** Registers {@code value} as a buffer and returns it (see {@link #parameter}). */
    private Tensor buffer(String name, Tensor value) {
        register_buffer(name, value);
        return value;
    }
}
