package org.tarflow4j.api;

import org.bytedeco.pytorch.Tensor;

/**
 * The invertible map of one flow layer at each position: data-side {@code x} to noise-side {@code u}, given
 * the features the layer's backbone computed from the positions before. Shapes: {@code x, u: [B, T, C]},
 * {@code features: [B, T, D]}. A coupling is position-agnostic: the layer decides which positions it sees.
 *
 * <p>Implementations extend {@link org.bytedeco.pytorch.Module} so the layer can register them as a child.
 * Results come in the dtype of {@code x} (float64 in the model); the density math runs in float64 unless the coupling
 * offers a float32 density dtype ({@code api.numerics.DensityDtype}); heads may run in the dtype of the features and
 * cast their output.
 */
public interface Coupling extends Component {
    /** {@code u = f(x; features)} and {@code log|det ∂u/∂x|} per position. */
    Transformed forward(Tensor x, Tensor features);

    /** {@code x = f⁻¹(u; features)}, exact to the coupling's stated tolerance. */
    Tensor inverse(Tensor u, Tensor features);

    /** The structure of {@code ∂u/∂x} within a position. */
    default JacobianShape jacobianShape() {
        return JacobianShape.DENSE;
    }

    /**
     * Bytes a training step's forward and backward pass through this coupling holds at its peak over {@code positions}
     * positions ({@code B·T}), beyond its input, output and features: its saved activations, their gradients and any
     * {@code [positions, V]} terms. The host adds these up for its memory estimate before a run ({@code tarflow config
     * check}); {@code NaN} when the coupling cannot say (the estimate then names it as not counted). Since 1.3.0.
     */
    default double trainingBytes(long positions) {
        return Double.NaN;
    }

    /** Cost and convergence of the most recent {@link #inverse} call on this thread. */
    default InverseReport lastInverse() {
        return InverseReport.EXACT;
    }
}
