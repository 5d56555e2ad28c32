package org.tarflow4j.coupling.mog;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Keeps {@code log σ} inside {@code [min, max]} by the parameterisation itself: two softplus hinges,
 * {@code log σ = max − softplus(max − (min + softplus(r − min)))}, the identity well inside the interval and
 * saturating smoothly at its ends. The log-det is always that of the {@code σ} actually used; nothing is clamped.
 */
record ScaleBounds(double min, double max) {
    /** softplus(t) = t beyond this, exactly in float64. */
    private static final double LINEAR_BEYOND = 40.0;

    Tensor logScale(Tensor raw) {
        Tensor aboveMin = softplus(raw.sub(new Scalar(min))).add(new Scalar(min));
        return softplus(aboveMin.neg().add(new Scalar(max))).neg().add(new Scalar(max));
    }

    /** The raw value whose {@link #logScale} is {@code logScale}, for initialisation; {@code min < logScale < max}. */
    double raw(double logScale) {
        double aboveMin = max - Math.log(Math.expm1(max - logScale));
        return min + Math.log(Math.expm1(aboveMin - min));
    }

    private static Tensor softplus(Tensor t) {
        return torch.softplus(t, new Scalar(1.0), new Scalar(LINEAR_BEYOND));
    }
}
