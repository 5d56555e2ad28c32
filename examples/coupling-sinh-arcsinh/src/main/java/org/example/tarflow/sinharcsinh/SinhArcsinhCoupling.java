package org.example.tarflow.sinharcsinh;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.JacobianShape;
import org.tarflow4j.api.Transformed;

/**
 * The sinh-arcsinh transform of Jones and Pewsey (2009) after an affine, per channel:
 * {@code z = (x − μ)·e^{−s}}, {@code u = sinh(δ·asinh(z) − ε)}. The skew {@code ε} moves mass to one side and the tail
 * weight {@code δ > 0} makes the tails of {@code u} lighter ({@code δ > 1}) or heavier ({@code δ < 1}) than those of
 * {@code x}, which an affine alone cannot do. The inverse is closed-form,
 * {@code x = μ + e^{s}·sinh((asinh(u) + ε)/δ)}, and so is
 * {@code log|du/dx| = log cosh(δ·asinh z − ε) + log δ − ½·log(1 + z²) − s}.
 *
 * <p>{@code μ, s, ε, log δ} come from a linear head over the features that starts at zero: {@code δ = 1, ε = 0}, and
 * the layer starts as the identity. With a tail bound {@code b > 0}, {@code log δ = b·tanh(r/b)} for the head's raw
 * output {@code r}, so {@code δ} stays in {@code (e^−b, e^b)}.
 */
final class SinhArcsinhCoupling extends Module implements Coupling {
    private static final double LOG_TWO = Math.log(2);

    private final LinearImpl head;
    private final double tailBound;

    SinhArcsinhCoupling(int channels, int featureWidth, double tailBound) {
        this.tailBound = tailBound;
        this.head = register_module("head", new LinearImpl(featureWidth, 4L * channels));
        try (NoGradGuard ignored = new NoGradGuard()) {
            head.weight().zero_();
            head.bias().zero_();
        }
    }

    @Override
    public Transformed forward(Tensor x, Tensor features) {
        Shape p = shape(features, x);
        Tensor z = x.sub(p.shift).mul(p.logScale.neg().exp());
        Tensor y = z.asinh().mul(p.logTail.exp()).sub(p.skew);
        Tensor logDet = logCosh(y)
                .add(p.logTail)
                .sub(z.square().log1p().mul(new Scalar(0.5)))
                .sub(p.logScale);
        return new Transformed(y.sinh(), logDet.sum(-1));
    }

    @Override
    public Tensor inverse(Tensor u, Tensor features) {
        Shape p = shape(features, u);
        Tensor z = u.asinh().add(p.skew).mul(p.logTail.neg().exp()).sinh();
        return z.mul(p.logScale.exp()).add(p.shift);
    }

    @Override
    public JacobianShape jacobianShape() {
        return JacobianShape.DIAGONAL;
    }

    /** The head runs in the dtype of the features; its output is cast to the dtype of {@code like}. */
    private Shape shape(Tensor features, Tensor like) {
        TensorVector p = head.forward(features).to(like.scalar_type()).chunk(4, -1);
        Tensor rawLogTail = p.get(3);
        Tensor logTail =
                tailBound > 0 ? rawLogTail.div(new Scalar(tailBound)).tanh().mul(new Scalar(tailBound)) : rawLogTail;
        return new Shape(p.get(0), p.get(1), p.get(2), logTail);
    }

    /** {@code log cosh y = |y| + log(1 + e^{−2|y|}) − log 2}, which stays finite where {@code cosh y} overflows. */
    private static Tensor logCosh(Tensor y) {
        Tensor a = y.abs();
        return a.add(a.mul(new Scalar(-2.0)).exp().log1p()).sub(new Scalar(LOG_TWO));
    }

    /** Per-channel parameters: shift {@code μ}, log-scale {@code s}, skew {@code ε}, log tail weight {@code log δ}. */
    private record Shape(Tensor shift, Tensor logScale, Tensor skew, Tensor logTail) {}
}
