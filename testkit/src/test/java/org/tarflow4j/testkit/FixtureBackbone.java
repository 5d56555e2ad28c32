package org.tarflow4j.testkit;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;

/**
 * A small causal backbone for testing the harness: the features at t are {@code tanh(A·x_{t−1} + B·mean(x_{<t}))}
 * plus a learned start at t = 0. The variant "causal" is correct; every other variant breaks one property the
 * harness must catch. Build it outside pointer scopes.
 */
final class FixtureBackbone extends Module implements Backbone {
    private static final int WIDTH = 5;

    private final String variant;
    private final LinearImpl last;
    private final LinearImpl mean;
    private final Tensor start;
    /** Variant "cached-shift": an offset held in a Java field, not registered, so a checkpoint loses it. */
    private final Tensor cachedShift;

    FixtureBackbone(int channels, String variant) {
        this.variant = variant;
        this.last = register_module("last", new LinearImpl(channels, WIDTH));
        this.mean = register_module("mean", new LinearImpl(channels, WIDTH));
        this.start = torch.randn(WIDTH);
        register_parameter("start", start);
        if (variant.equals("unused-parameter")) register_parameter("unused", torch.zeros(WIDTH));
        cachedShift = variant.equals("cached-shift") ? torch.randn(WIDTH) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        long b = x.size(0), t = x.size(1);
        Tensor in = x.to(start.scalar_type());
        if (variant.equals("ignores-input"))
            return finish(start.expand(b, t, WIDTH).contiguous(), in);
        Tensor previous = variant.equals("peeks")
                ? in
                : torch.cat(new TensorVector(torch.zeros_like(in.narrow(1, 0, 1)), in.narrow(1, 0, t - 1)), 1);
        Tensor counts = torch.arange(new Scalar(0), new Scalar(t), new TensorOptions(in.scalar_type()))
                .clamp_min(new Scalar(1))
                .view(1, t, 1);
        Tensor means = previous.cumsum(1).div(counts);
        Tensor h = last.forward(previous).add(mean.forward(means)).tanh();
        Tensor first = start.expand(b, 1, WIDTH);
        return finish(torch.cat(new TensorVector(first, h.narrow(1, 1, t - 1)), 1), in);
    }

    private Tensor finish(Tensor h, Tensor x) {
        if (variant.equals("cached-shift")) h = h.add(cachedShift.to(h.scalar_type()));
        if (variant.equals("nan-far-out"))
            h = h.add(x.square()
                    .exp()
                    .sum(new long[] {-1}, true, new ScalarTypeOptional())
                    .mul(new Scalar(0.0)));
        return h;
    }

    @Override
    public int featureWidth() {
        return WIDTH;
    }

    @Override
    public Stepper stepper(long batch) {
        return new Stepper() {
            private final Tensor sum = torch.zeros(
                            new long[] {batch, 1, last.weight().size(1)}, new TensorOptions(start.scalar_type()))
                    .retainReference();
            private Tensor previous = null;
            private long position;

            @Override
            public Tensor next() {
                try (NoGradGuard ignored = new NoGradGuard()) {
                    if (position == 0 || variant.equals("ignores-input"))
                        return finish(start.expand(batch, 1, WIDTH), sum);
                    Tensor means = variant.equals("stale-stepper") ? previous : sum.div(new Scalar(position));
                    return finish(
                            last.forward(previous).add(mean.forward(means)).tanh(), sum);
                }
            }

            @Override
            public void accept(Tensor x) {
                try (NoGradGuard ignored = new NoGradGuard()) {
                    Tensor in = x.to(start.scalar_type());
                    sum.add_(in);
                    if (previous != null) previous.releaseReference();
                    previous = in.clone().retainReference();
                }
                position++;
            }

            @Override
            public long position() {
                return position;
            }

            @Override
            public void close() {
                sum.releaseReference();
                if (previous != null) previous.releaseReference();
            }
        };
    }
}
