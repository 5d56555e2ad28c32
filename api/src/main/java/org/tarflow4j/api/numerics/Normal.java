package org.tarflow4j.api.numerics;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The standard normal distribution in log space, elementwise on float64 or float32 tensors (see
 * {@link DensityDtype}). The quantile function works from log-probabilities so that it stays finite where the
 * probability itself underflows, and it is differentiable through ordinary ops. The points where a formula hands over
 * to an asymptotic one follow the dtype of the argument: float32 underflows at {@code e^−87} and cancels digits
 * sooner.
 */
public final class Normal {
    /** {@code ½ log 2π}. */
    public static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

    private static final double LOG_HALF = Math.log(0.5);

    /** The largest log-probability {@link #lowerQuantile} takes (larger ones are clamped to it). */
    private static final double LOWER_QUANTILE_LIMIT = Math.log(0.6);
    /**
     * Below this log-probability {@code exp} loses too much precision for {@code ndtri} (it nears the smallest
     * normal number, {@code e^−708} in float64 and {@code e^−87} in float32); use the asymptotic start.
     */
    private static final double DIRECT_LIMIT = -600;

    private static final double DIRECT_LIMIT_FLOAT32 = -80;

    private static final int NEWTON_STEPS = 3;
    /** The square root of the dtype's rounding: a Newton step below it (relative) is the last one that changes u. */
    private static final double SETTLED = 1e-8;

    private static final double SETTLED_FLOAT32 = 3e-4;
    /** Below this {@code z} the derivative of {@code log Φ} comes from its asymptotic series. */
    private static final double SERIES_BELOW = -30;

    /**
     * In float32 the direct ratio {@code exp(log φ − log Φ)} loses {@code |z|²/2·2⁻²⁴} relative, 3e-6 at {@code z = −10},
     * where the five-term series is already good to 1e-8.
     */
    private static final double SERIES_BELOW_FLOAT32 = -10;

    private Normal() {}

    /** {@code log φ(z)}. */
    public static Tensor logPdf(Tensor z) {
        return z.square().mul(new Scalar(-0.5)).sub(new Scalar(HALF_LOG_TWO_PI));
    }

    /**
     * {@code log Φ(z)}, with a gradient that stays finite for every finite {@code z}. Above the series threshold
     * ({@code z = −30}, {@code −10} in float32) the value is {@code log(erfc(−z/√2)/2)}: libtorch's vectorised
     * {@code erfc} keeps its relative precision far into the lower tail ({@code 1e-198} at the float64 threshold,
     * {@code 2e-23} at the float32 one) and costs a quarter of {@code special_log_ndtr}, whose scalar loop took half of
     * a Mix-d layer's time at V = 50,257. Below the threshold the value is the asymptotic
     * {@code log φ(z) − log|z| + log S(z)} with the series {@link #series S}, computed only for the elements that reach
     * that far. The derivative {@code φ(z)/Φ(z)} is computed directly, {@code exp(log φ(z) − log Φ(z))} above the
     * threshold and {@code |z|/S(z)} below it, and attached as the slope of the value: autograd then keeps one tensor and
     * its backward pass is one product. libtorch's own derivative of {@code special_log_ndtr},
     * {@code exp(−log Φ(z) − z²/2)/√(2π)}, overflows far in the lower tail (a component parked at {@code |z| ~ 1e9}) and,
     * times the zero weight that component gets in a logsumexp, made whole gradients NaN.
     */
    public static Tensor logCdf(Tensor z) {
        return logCdf(z, z.is_cpu());
    }

    /**
     * {@link #logCdf(Tensor)}; with {@code compact} the asymptotic form is computed only for the elements below the
     * threshold (after reading on the host whether there are any, which is free on the CPU), otherwise for every element
     * and chosen by {@code where}, so that a device is never waited for (the masked mixture solver reads its device
     * only every few iterations). Both give the same values.
     */
    static Tensor logCdf(Tensor z, boolean compact) {
        boolean slope = z.requires_grad();
        LogCdf c;
        try (NoGradGuard ignored = new NoGradGuard()) {
            c = logCdfAndSlope(z.detach(), slope, compact);
        }
        return slope ? c.value().add(z.sub(z.detach()).mul(c.slope())) : c.value();
    }

    /**
     * {@code log Φ(z)} and its slope {@code d log Φ(z)/dz = φ(z)/Φ(z)}, computed without gradient.
     *
     * @param value {@code log Φ(z)}
     * @param slope {@code φ(z)/Φ(z)}, finite for every finite {@code z}
     */
    public record LogCdf(Tensor value, Tensor slope) {}

    /**
     * {@link #logCdf(Tensor)}'s value and slope as tensors without gradient, for a hand-written backward pass: the
     * same numbers the gradient of {@code logCdf} is built from.
     */
    public static LogCdf logCdfAndSlope(Tensor z) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            return logCdfAndSlope(z.detach(), true, z.is_cpu());
        }
    }

    /**
     * {@code log Φ} and its slope at {@code max(z, t)}, {@code t} the series threshold ({@code −30}, {@code −10} in
     * float32): exact at and above {@code t}; below it the values at {@code t}, an upper bound of {@code log Φ(z)}. For a
     * caller that can tell that the elements below {@code t} do not matter (a log-sum-exp whose other terms are larger by
     * many orders of magnitude), which then skips their asymptotic series; {@link #complete} gives the exact values.
     * Without gradient, on the CPU.
     *
     * @param below the elements below {@code t}
     * @param count how many there are
     */
    public record Clamped(Tensor value, Tensor slope, Tensor below, long count) {
        /** Whether no element is below the threshold, so that the values are exact. */
        public boolean exact() {
            return count == 0;
        }

        /**
         * Whether a share of probability mass this large (a tensor of shares, e.g. per row) is below what the
         * dtype resolves: {@code 1e-15} in float64, {@code 1e-7} in float32 (about the rounding of a log-probability
         * near 1).
         */
        public boolean negligible(Tensor share) {
            return share.max().item_double() <= negligibleShare(share);
        }

        /**
         * Whether the elements below the threshold, however many, are {@link #negligible} in every sum
         * {@code Σ_k α_k Φ(z_k)} over weights that add up to at most 1 whose clamped log {@code logSum_k(log α_k + value_k)}
         * is {@code logSum}, without looking at them: together they add at most {@code Φ(t) ≤ φ(t)/|t|} (the first term of
         * the asymptotic series, an upper bound) to a sum of at least {@code exp(logSum) − Φ(t)}. The clamped sum is then
         * the exact one to that share, and its log-sum-exp weights are its exact gradient.
         */
        public boolean negligibleBelow(Tensor logSum) {
            if (exact()) return true;
            double t = seriesBelow(value);
            double logBound = -0.5 * t * t - HALF_LOG_TWO_PI - Math.log(-t);
            return logBound - logSum.min().item_double() <= Math.log(negligibleShare(value) / 2);
        }
    }

    /** The share of a sum below what {@code t}'s dtype resolves: {@code 1e-7} in float32, {@code 1e-15} in float64. */
    private static double negligibleShare(Tensor t) {
        return DensityDtype.single(t) ? 1e-7 : 1e-15;
    }

    /** {@link Clamped} for {@code z}, with the slope when {@code slope}. */
    public static Clamped logCdfClamped(Tensor z, boolean slope) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            return clamped(z.detach(), slope, true);
        }
    }

    /** The exact {@code log Φ(z)} (and slope, when {@code c} has one) from {@code c = logCdfClamped(z, …)}. */
    public static LogCdf complete(Clamped c, Tensor z) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            return complete(c, z.detach(), true, false);
        }
    }

    private static LogCdf logCdfAndSlope(Tensor zd, boolean slope, boolean compact) {
        return complete(clamped(zd, slope, compact), zd, compact, true);
    }

    /**
     * Without gradient, on fresh tensors, so the arithmetic runs in place: a third of the passes over memory and of the
     * allocations of the same expressions written out. {@code count} reads the number of elements below the threshold
     * on the host ({@code −1} without).
     */
    private static Clamped clamped(Tensor zd, boolean slope, boolean count) {
        Scalar threshold = new Scalar(seriesBelow(zd));
        Tensor near = zd.clamp_min(threshold);
        Tensor value = near.mul(new Scalar(-Math.sqrt(0.5))).erfc_().log_().add_(new Scalar(LOG_HALF));
        Tensor dz = slope ? logPdfInPlace(near).sub_(value).exp_() : null;
        Tensor below = zd.lt(threshold);
        return new Clamped(value, dz, below, count ? below.sum().item_long() : -1);
    }

    /**
     * The asymptotic form for the elements below the threshold. With {@code compact} (on the CPU, where the count was
     * read) it is computed only for them when they are few (an eighth or less): selecting and scattering costs more per
     * element than computing the series for every element. With {@code overwrite}, {@code c}'s tensors may be written.
     */
    private static LogCdf complete(Clamped c, Tensor zd, boolean compact, boolean overwrite) {
        if (c.exact()) return new LogCdf(c.value(), c.slope());
        boolean slope = c.slope() != null;
        Tensor below = c.below();
        boolean few = compact && c.count() * 8 <= zd.numel();
        Tensor far = few ? zd.masked_select(below) : zd.clamp_max(new Scalar(seriesBelow(zd)));
        Tensor s = series(far);
        // log Φ(z) = log φ(z) − log|z| + log S(z)
        Tensor asymptotic = far.square()
                .mul_(new Scalar(-0.5))
                .sub_(new Scalar(HALF_LOG_TWO_PI))
                .sub_(far.neg().log_())
                .add_(s.log());
        Tensor ratio = slope ? far.neg().div_(s) : null;
        Tensor value = c.value();
        Tensor dz = c.slope();
        if (few) {
            if (!overwrite) {
                value = value.clone();
                if (slope) dz = dz.clone();
            }
            value.masked_scatter_(below, asymptotic);
            if (slope) dz.masked_scatter_(below, ratio);
        } else {
            value = torch.where(below, asymptotic, value);
            if (slope) dz = torch.where(below, ratio, dz);
        }
        return new LogCdf(value, dz);
    }

    /** The series threshold for {@code t}'s dtype. */
    private static double seriesBelow(Tensor t) {
        return DensityDtype.single(t) ? SERIES_BELOW_FLOAT32 : SERIES_BELOW;
    }

    /** {@code log φ(z)}, computed in {@code z}'s own storage (a fresh tensor without gradient). */
    private static Tensor logPdfInPlace(Tensor z) {
        return z.square_().mul_(new Scalar(-0.5)).sub_(new Scalar(HALF_LOG_TWO_PI));
    }

    /**
     * {@code |z|·Φ(z)/φ(z) = 1 − r + 3r² − 15r³ + 105r⁴ − 945r⁵ …} with {@code r = 1/z²}, for {@code z} in the lower
     * tail; five terms reach 1e-12 at {@code z = −30} and 1e-8 at {@code z = −10}.
     */
    private static Tensor series(Tensor far) {
        Tensor r = far.square().reciprocal_();
        return r.mul(new Scalar(-945))
                .add_(new Scalar(105))
                .mul_(r)
                .sub_(new Scalar(15))
                .mul_(r)
                .add_(new Scalar(3))
                .mul_(r)
                .sub_(new Scalar(1))
                .mul_(r)
                .add_(new Scalar(1));
    }

    /**
     * {@code Φ(u)/φ(u)} for {@code u ≤ 0.26} (where {@link #lowerQuantile} works) given {@code log Φ(u)}: {@code exp(log Φ(u) − log φ(u))} down to the series
     * threshold, the series below it. The direct form subtracts two numbers of size {@code u²/2}; in float32 their
     * rounding alone ({@code u²/2·2⁻²⁴}) exceeds 1 from {@code |u| ~ 6000} on and the exponential overflows.
     */
    private static Tensor ratio(Tensor u, Tensor logPhi) {
        double seriesBelow = seriesBelow(u);
        Tensor far = u.clamp_max(new Scalar(seriesBelow));
        Tensor direct = logPhi.sub(logPdf(u)).exp();
        return torch.where(u.lt(new Scalar(seriesBelow)), series(far).div(far.neg()), direct);
    }

    /** {@code log(1 − Φ(z)) = log Φ(−z)}, with the same finite gradient. */
    public static Tensor logSf(Tensor z) {
        return logCdf(z.neg());
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
     * {@code Φ⁻¹(exp(logP))} for {@code logP ≤ log 0.6}: the lower half, and a margin above the median for tails chosen
     * from an estimate of the probability (as {@link GaussianMixture1d} does). The value is found without gradient tracking (a starting
     * point refined by Newton steps on {@code log Φ}); the gradient is attached by one implicit-function step,
     * {@code du/d logP = Φ(u)/φ(u)}, so the result is differentiable in {@code logP}.
     */
    public static Tensor lowerQuantile(Tensor logP) {
        Tensor u;
        Tensor logPhi;
        Tensor slope;
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor lp = logP.detach().clamp_max(new Scalar(LOWER_QUANTILE_LIMIT));
            u = start(lp);
            double settled = DensityDtype.single(lp) ? SETTLED_FLOAT32 : SETTLED;
            for (int i = 0; i < NEWTON_STEPS; i++) {
                Tensor atU = logCdf(u);
                Tensor step = atU.sub(lp).mul_(ratio(u, atU));
                u = u.sub(step);
                if (u.is_cpu() && settled(step, u, settled)) break;
            }
            logPhi = logCdf(u);
            slope = ratio(u, logPhi);
        }
        return u.add(logP.sub(logPhi).mul(slope));
    }

    /**
     * Whether a Newton step this small leaves nothing for the next: it converges quadratically, so after a step of at
     * most {@code settled·(1 + |u|)} the next would be of the order of its square, below the dtype's rounding. Read on
     * the host, so on the CPU only (a device runs all {@link #NEWTON_STEPS}); from {@code ndtri}'s start one step
     * usually settles every element, where the asymptotic start of the far tail takes all three.
     */
    private static boolean settled(Tensor step, Tensor u, double settled) {
        return step.abs().max().item_double() <= settled * (1 + u.abs().max().item_double());
    }

    /**
     * The derivative {@code du/d logP = Φ(u)/φ(u)} of {@link #lowerQuantile} at its value {@code u}, without gradient:
     * the slope {@code lowerQuantile} attaches, for a hand-written backward pass.
     */
    public static Tensor lowerQuantileSlope(Tensor u) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor ud = u.detach();
            return ratio(ud, logCdf(ud));
        }
    }

    private static Tensor start(Tensor logP) {
        double limit = DensityDtype.single(logP) ? DIRECT_LIMIT_FLOAT32 : DIRECT_LIMIT;
        Tensor direct = torch.special_ndtri(logP.clamp_min(new Scalar(limit)).exp());
        // log Φ(u) ≈ −u²/2 − log(−u) − ½ log 2π for u → −∞, so u² ≈ t − log t − log 2π with t = −2 log p.
        Tensor t = logP.mul(new Scalar(-2.0)).clamp_min(new Scalar(1.0));
        Tensor asymptotic = t.sub(t.log())
                .sub(new Scalar(2 * HALF_LOG_TWO_PI))
                .clamp_min(new Scalar(0.0))
                .sqrt()
                .neg();
        return torch.where(logP.lt(new Scalar(limit)), asymptotic, direct);
    }
}
