package ${package};

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
 * The starting point of a coupling: an affine map per channel with a bounded scale,
 * {@code u = (x − μ)·e^{−s}}, {@code s = b·tanh(r/b)}, where {@code μ} and the raw log-scale {@code r} come from a
 * linear head over the features the layer's backbone computed from the positions before. The inverse is
 * {@code x = μ + u·e^{s}} and {@code log|det ∂u/∂x| = −Σ_c s}. The head starts at zero, so a new layer is the
 * identity; the bound {@code b} keeps every scale within {@code (e^−b, e^b)} whatever the head outputs ({@code b = 0}
 * leaves it unbounded).
 *
 * <p>Replace the math with yours and keep the contract: {@code forward} returns u and the log-det per position
 * ({@code [B, T]}), {@code inverse} undoes it exactly, the density math runs in the dtype of x (float64 in the model)
 * while the head runs in the dtype of the features, positions never see each other, and {@link #jacobianShape()}
 * states the structure of {@code ∂u/∂x} within a position. The conformance test checks all of it.
 */
final class BoundedAffineCoupling extends Module implements Coupling {
    private final LinearImpl head;
    private final double scaleBound;

    BoundedAffineCoupling(int channels, int featureWidth, double scaleBound) {
        this.scaleBound = scaleBound;
        this.head = register_module("head", new LinearImpl(featureWidth, 2L * channels));
        try (NoGradGuard ignored = new NoGradGuard()) {
            head.weight().zero_();
            head.bias().zero_();
        }
    }

    @Override
    public Transformed forward(Tensor x, Tensor features) {
        Affine a = affine(features, x);
        Tensor u = x.sub(a.shift()).mul(a.logScale().neg().exp());
        return new Transformed(u, a.logScale().sum(-1).neg());
    }

    @Override
    public Tensor inverse(Tensor u, Tensor features) {
        Affine a = affine(features, u);
        return u.mul(a.logScale().exp()).add(a.shift());
    }

    @Override
    public JacobianShape jacobianShape() {
        return JacobianShape.DIAGONAL;
    }

    /** The head runs in the dtype of the features; its output is cast to the dtype of {@code like}. */
    private Affine affine(Tensor features, Tensor like) {
        TensorVector halves = head.forward(features).to(like.scalar_type()).chunk(2, -1);
        Tensor raw = halves.get(1);
        Tensor logScale =
                scaleBound > 0 ? raw.div(new Scalar(scaleBound)).tanh().mul(new Scalar(scaleBound)) : raw;
        return new Affine(halves.get(0), logScale);
    }

    /** Per-channel shift {@code μ} and log-scale {@code s}, {@code [B, T, C]} each. */
    private record Affine(Tensor shift, Tensor logScale) {}
}
