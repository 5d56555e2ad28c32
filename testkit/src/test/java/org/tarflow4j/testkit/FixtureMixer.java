package org.tarflow4j.testkit;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.Transformed;

/**
 * A learned channel mixer for testing the harness: {@code y = e^s ⊙ ((I + L)·x)} per position, with {@code L} strictly
 * lower triangular and {@code s} a vector (both parameters, starting at zero: the identity), so
 * {@code log|det| = Σ s}. The variant "lu" is correct, "reverse" is a parameter-free permutation (also correct), and
 * every other variant breaks one property the harness must catch.
 */
final class FixtureMixer extends Module implements ChannelMixer {
    private final String variant;
    private final int channels;
    private final Tensor lower;
    private final Tensor logScale;

    FixtureMixer(int channels, String variant) {
        this.channels = channels;
        this.variant = variant;
        if (variant.equals("reverse")) {
            lower = null;
            logScale = null;
            return;
        }
        lower = torch.zeros(channels, channels);
        logScale = torch.zeros(channels);
        register_parameter("lower", lower);
        register_parameter("log_scale", logScale);
        if (variant.equals("unused-parameter")) register_parameter("unused", torch.zeros(1));
    }

    @Override
    public Transformed forward(Tensor x) {
        Tensor zero = x.select(2, 0).mul(new Scalar(0.0));
        if (variant.equals("reverse")) return new Transformed(x.flip(new long[] {2}), zero);
        Tensor w = weight(x);
        Tensor s = logScale.to(x.scalar_type());
        Tensor y = torch.matmul(x, w.t()).mul(s.exp());
        Tensor logDet = zero.add(s.sum());
        return switch (variant) {
            case "wrong-log-det" -> new Transformed(y, logDet.neg());
            case "mixes-positions" ->
                new Transformed(y.add(x.roll(new long[] {1}, new long[] {1}).mul(new Scalar(0.5))), logDet);
            default -> new Transformed(y, logDet);
        };
    }

    @Override
    public Tensor inverse(Tensor y) {
        if (variant.equals("reverse")) return y.flip(new long[] {2});
        Tensor w = weight(y);
        Tensor z = y.mul(logScale.to(y.scalar_type()).neg().exp());
        Tensor flat = z.reshape(-1, channels).t();
        Tensor x = torch.linalg_solve_triangular(w, flat, false, true, true).t().reshape(y.sizes());
        return variant.equals("lossy-inverse") ? x.add(new Scalar(1e-7)) : x;
    }

    /** {@code I + L} in the dtype of {@code like}: the parameters stay float32, the latents are float64. */
    private Tensor weight(Tensor like) {
        return torch.tril(lower, -1)
                .to(like.scalar_type())
                .add(torch.eye(channels, new TensorOptions(like.scalar_type())));
    }
}
