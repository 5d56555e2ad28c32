package org.tarflow4j.coupling.affine;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.JacobianShape;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.api.numerics.DensityDtype;

/**
 * {@code u = (x − μ)·exp(−s)} per channel, {@code log|det ∂u/∂x| = −Σ_c s}, with {@code μ} and the log-scale
 * {@code s} from one linear head over the features. The head starts at zero, so the layer starts as the identity.
 * With a scale bound {@code b > 0} the head's raw log-scale {@code r} is soft-clamped, {@code s = b·tanh(r/b)}: it
 * keeps the slope 1 at 0 but can never leave {@code (−b, b)}, so no training step can blow the scale up. The map
 * runs in the coupling's {@link DensityDtype} and returns the caller's dtype.
 */
final class AffineCoupling extends Module implements Coupling {
    private final LinearImpl head;
    private final int channels;
    private final double scaleBound;
    private final DensityDtype density;

    AffineCoupling(int channels, int featureWidth, double scaleBound, DensityDtype density) {
        this.channels = channels;
        this.scaleBound = scaleBound;
        this.density = density;
        this.head = register_module("head", new LinearImpl(featureWidth, 2L * channels));
        try (NoGradGuard ignored = new NoGradGuard()) {
            head.weight().zero_();
            head.bias().zero_();
        }
    }

    @Override
    public Transformed forward(Tensor x, Tensor features) {
        Affine a = affine(features);
        Tensor u = density.cast(x).sub(a.shift).mul(a.logScale.neg().exp());
        return new Transformed(u.to(x.scalar_type()), a.logScale.sum(-1).neg().to(x.scalar_type()));
    }

    @Override
    public Tensor inverse(Tensor u, Tensor features) {
        Affine a = affine(features);
        return density.cast(u).mul(a.logScale.exp()).add(a.shift).to(u.scalar_type());
    }

    /**
     * The head's {@code 2C} outputs, their casts, shift, scale and its exponential with their gradients: 28 values per
     * channel (24 to 31 measured by {@code tarflow bench couplings}).
     */
    @Override
    public double trainingBytes(long positions) {
        return 28.0 * positions * channels * density.bytes();
    }

    @Override
    public JacobianShape jacobianShape() {
        return JacobianShape.DIAGONAL;
    }

    /** The head runs in the dtype of the features; its output is cast to the density dtype. */
    private Affine affine(Tensor features) {
        TensorVector halves = density.cast(head.forward(features)).chunk(2, -1);
        Tensor raw = halves.get(1);
        Tensor logScale =
                scaleBound > 0 ? raw.div(new Scalar(scaleBound)).tanh().mul(new Scalar(scaleBound)) : raw;
        return new Affine(halves.get(0), logScale);
    }

    private record Affine(Tensor shift, Tensor logScale) {}
}
