package org.tarflow4j.api.numerics;

/**
 * {@link MixtureSolver}'s iteration for a few float64 elements, in plain Java on the host. A solve of the handful of
 * elements one sampling step inverts (a batch of single positions) costs libtorch several hundred small ops, about
 * ten per Newton step, and their dispatch, not their arithmetic, is the time. Here every element runs the same
 * iteration as the tensor modes (same start, bracket, Newton-or-bisection rule and convergence test), with
 * {@link #logNdtr} in place of libtorch's {@code special_log_ndtr}: the roots agree with theirs to the solver's
 * tolerance.
 */
final class HostSolve {
    private static final double HALF_LOG_TWO_PI = Normal.HALF_LOG_TWO_PI;
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
    private static final double SQRT_HALF = Math.sqrt(0.5);
    /** Below this {@code t}, {@code erfc(t) = 1 − erf(t)} from erf's series (it cancels at most one bit there); above it the continued fraction. */
    private static final double SERIES_TO = 0.5;

    private HostSolve() {}

    /**
     * The roots of {@code n} elements of {@code k} components each (row-major {@code [n, k]} parameters).
     *
     * @param roots      filled with the roots
     * @param iterations filled with the iteration at which each converged
     * @return the number of elements still unconverged after {@code maxIterations}
     */
    static long solve(
            double[] u,
            double[] logWeights,
            double[] means,
            double[] logScales,
            int k,
            double tolerance,
            double resolution,
            int maxIterations,
            double[] roots,
            long[] iterations) {
        long unconverged = 0;
        double[] inverseScales = new double[k];
        double[] logWeightsOverScales = new double[k];
        double[] terms = new double[k];
        for (int i = 0; i < u.length; i++) {
            int o = i * k;
            double sign = u[i] < 0 ? 1 : -1;
            double target = logNdtr(u[i] * sign);
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            double weightMax = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) weightMax = Math.max(weightMax, logWeights[o + c]);
            double weightSum = 0;
            double weighted = 0;
            for (int c = 0; c < k; c++) {
                inverseScales[c] = Math.exp(-logScales[o + c]);
                logWeightsOverScales[c] = logWeights[o + c] - logScales[o + c];
                double quantile = means[o + c] + Math.exp(logScales[o + c]) * u[i];
                lo = Math.min(lo, quantile);
                hi = Math.max(hi, quantile);
                double w = Math.exp(logWeights[o + c] - weightMax);
                weightSum += w;
                weighted += w * quantile;
            }
            double lastStep = hi - lo;
            double x = weighted / weightSum;
            for (int it = 0; ; it++) {
                for (int c = 0; c < k; c++)
                    terms[c] = logWeights[o + c] + logNdtr((x - means[o + c]) * inverseScales[c] * sign);
                double logTail = logSumExp(terms);
                for (int c = 0; c < k; c++) {
                    double z = (x - means[o + c]) * inverseScales[c];
                    terms[c] = logWeightsOverScales[c] - 0.5 * z * z;
                }
                double logP = logSumExp(terms) - HALF_LOG_TWO_PI;
                double g = sign * (logTail - target);
                double step = g * Math.exp(logTail - logP);
                double scale = Math.abs(x) + 1;
                double floor = scale * resolution;
                boolean done = (Math.abs(g) <= tolerance && Math.abs(step) <= scale * tolerance)
                        || Math.abs(step) <= floor
                        || hi - lo <= floor;
                if (it == maxIterations && !done) {
                    unconverged++;
                    done = true;
                }
                if (done) {
                    roots[i] = x;
                    iterations[i] = it;
                    break;
                }
                if (g < 0) lo = x;
                if (g > 0) hi = x;
                double newton = x - step;
                boolean useNewton = newton > lo && newton < hi && Math.abs(step) <= Math.abs(lastStep) * 0.5;
                double next = useNewton ? newton : (lo + hi) * 0.5;
                lastStep = next - x;
                x = next;
            }
        }
        return unconverged;
    }

    /** {@code log Σ exp(v)}, as libtorch's {@code logsumexp}: −∞ when every term is, +∞ when one is. */
    static double logSumExp(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) max = x > max || Double.isNaN(x) ? x : max;
        if (Double.isNaN(max)) return Double.NaN;
        if (Double.isInfinite(max)) return max;
        double sum = 0;
        for (double x : v) sum += Math.exp(x - max);
        return max + Math.log(sum);
    }

    /**
     * {@code log Φ(z)} to about 1e-15 relative to {@code Φ} (checked against libtorch's {@code special_log_ndtr}):
     * {@code Φ(z) = ½ erfc(−z/√2)}, with erfc from erf's series below {@code t = 0.5} and in log space from its
     * continued fraction above, so that it never underflows; above {@code z = 0}, {@code log1p(−Φ(−z))}.
     */
    static double logNdtr(double z) {
        if (Double.isNaN(z)) return z;
        if (z == Double.POSITIVE_INFINITY) return 0;
        if (z == Double.NEGATIVE_INFINITY) return Double.NEGATIVE_INFINITY;
        if (z > 0) return Math.log1p(-0.5 * erfc(z * SQRT_HALF));
        double t = -z * SQRT_HALF;
        return Math.log(0.5) + logErfc(t);
    }

    /** {@code erfc(t)} for {@code t ≥ 0} (it may underflow to 0). */
    private static double erfc(double t) {
        return t < SERIES_TO ? 1 - erf(t) : Math.exp(logErfc(t));
    }

    /** {@code log erfc(t)} for {@code t ≥ 0}. */
    private static double logErfc(double t) {
        if (t < SERIES_TO) return Math.log1p(-erf(t));
        return -t * t - LOG_SQRT_PI + Math.log(continuedFraction(t));
    }

    /**
     * {@code erf(t)} for {@code 0 ≤ t < 0.5} from its series of positive terms,
     * {@code 2/√π e^{−t²} Σ_n 2ⁿ t^{2n+1} / (1·3·…·(2n+1))}, which cancels no digits.
     */
    private static double erf(double t) {
        double term = t;
        double sum = t;
        double twoTSquared = 2 * t * t;
        for (int n = 1; n < 200 && term > 1e-18 * sum; n++) {
            term *= twoTSquared / (2 * n + 1);
            sum += term;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-t * t) * sum;
    }

    /**
     * {@code √π e^{t²} erfc(t) = 1/(t + (1/2)/(t + 1/(t + (3/2)/(t + …))))} for {@code t ≥ 0.5} (18 terms at t = 5, about 700 at 0.5), by the modified Lentz
     * method.
     */
    private static double continuedFraction(double t) {
        double tiny = 1e-300;
        double f = t;
        double c = t;
        double d = 0;
        for (int n = 1; n < 5000; n++) {
            double a = 0.5 * n;
            d = t + a * d;
            if (d == 0) d = tiny;
            c = t + a / c;
            if (c == 0) c = tiny;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-17) break;
        }
        return 1 / f;
    }
}
