package org.tarflow4j.api.numerics;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The standard normal distribution in log space, elementwise on tensors of any floating dtype (use float64 for
 * density math). The quantile function works from log-probabilities so that it stays finite where the
 * probability itself underflows, and it is differentiable through ordinary ops.
 */
public final class Normal {
    /** {@code ½ log 2π}. */
    public static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
    private static final double LOG_HALF = Math.log(0.5);
    /** Below this log-probability {@code exp} loses too much precision for {@code ndtri}; use the asymptotic start. */
    private static final double DIRECT_LIMIT = -600;
    private static final int NEWTON_STEPS = 3;

    private Normal() {}

    /** {@code log φ(z)}. */
    public static Tensor logPdf(Tensor z) {
        return z.square().mul(new Scalar(-0.5)).sub(new Scalar(HALF_LOG_TWO_PI));
    }

    /** {@code log Φ(z)}. */
    public static Tensor logCdf(Tensor z) {
        return torch.special_log_ndtr(z);
    }

    /** {@code log(1 − Φ(z)) = log Φ(−z)}. */
    public static Tensor logSf(Tensor z) {
        return torch.special_log_ndtr(z.neg());
    }

    /**
     * The {@code u} with {@code log Φ(u) = logCdf} and {@code log(1 − Φ(u)) = logSf}, for a probability given by
     * both of its logs. The lower half is solved from {@code logCdf}, the upper half as {@code −Φ⁻¹} of the
     * complement, so neither tail saturates.
     */
    public static Tensor quantile(Tensor logCdf, Tensor logSf) {
        Tensor lower = logCdf.lt(new Scalar(LOG_HALF));
        Tensor tail = torch.where(lower, logCdf, logSf);
        Tensor q = lowerQuantile(tail);
        return torch.where(lower, q, q.neg());
    }

    /**
     * {@code Φ⁻¹(exp(logP))} for {@code logP ≤ log ½}. The value is found without gradient tracking (a starting
     * point refined by Newton steps on {@code log Φ}); the gradient is attached by one implicit-function step,
     * {@code du/d logP = Φ(u)/φ(u)}, so the result is differentiable in {@code logP}.
     */
    public static Tensor lowerQuantile(Tensor logP) {
        Tensor u;
        Tensor ratio;
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor lp = logP.detach().clamp_max(new Scalar(LOG_HALF));
            u = start(lp);
            for (int i = 0; i < NEWTON_STEPS; i++) {
                Tensor logPhi = logCdf(u);
                u = u.sub(logPhi.sub(lp).mul(logPhi.sub(logPdf(u)).exp()));
            }
            ratio = logCdf(u).sub(logPdf(u)).exp();
        }
        Tensor residual = logP.sub(logCdf(u));
        return u.add(residual.mul(ratio));
    }

    private static Tensor start(Tensor logP) {
        Tensor direct = torch.special_ndtri(logP.clamp_min(new Scalar(DIRECT_LIMIT)).exp());
        // log Φ(u) ≈ −u²/2 − log(−u) − ½ log 2π for u → −∞, so u² ≈ t − log t − log 2π with t = −2 log p.
        Tensor t = logP.mul(new Scalar(-2.0)).clamp_min(new Scalar(1.0));
        Tensor asymptotic = t.sub(t.log()).sub(new Scalar(2 * HALF_LOG_TWO_PI)).clamp_min(new Scalar(0.0)).sqrt().neg();
        return torch.where(logP.lt(new Scalar(DIRECT_LIMIT)), asymptotic, direct);
    }
}
