package org.tarflow4j.api.numerics;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.InverseReport;
import org.tarflow4j.api.Placement;

/**
 * Solves {@code F(x) = Φ(u)} elementwise for a {@link GaussianMixture1d}: Newton's method inside a bisection
 * bracket, vectorised over all elements, in the dtype of {@code u} (float64, or float32 for a coupling whose
 * {@link DensityDtype} is float32; anything narrower is solved in float32).
 *
 * <p>The residual lives in log space so that both tails keep their precision: {@code g(x) = log F(x) − log Φ(u)}
 * for {@code u < 0} and {@code g(x) = log Φ(−u) − log(1 − F(x))} for {@code u ≥ 0}. Both increase with {@code x},
 * with slope {@code p(x)/F(x)} resp. {@code p(x)/(1 − F(x))}. At {@code x = min_k(m_k + σ_k u)} every component has
 * {@code Φ(z_k) ≤ Φ(u)}, and at {@code max_k(m_k + σ_k u)} every one has {@code Φ(z_k) ≥ Φ(u)}, so that interval
 * brackets the root. Each iteration takes the Newton step when it stays strictly inside the current bracket and is
 * at most half the previous step, and bisects otherwise: every bisection halves the bracket and runs of Newton
 * steps shrink geometrically, so the iteration converges from any start. It starts at the {@code π}-weighted mean of the component quantiles {@code m_k + σ_k u}.
 *
 * <p>Two ways to keep track of which elements are still iterating, with the same iterates and so the same roots:
 * {@link Mode#COMPACTING} removes converged elements from the working set after every iteration, so the cost
 * follows the iterations actually needed, but finding them ({@code nonzero}, twice) waits for the device every
 * iteration; {@link Mode#MASKED} keeps every element and freezes converged ones with a mask, computing on all of them
 * until all have converged, and reads whether any is left only every {@code checkEvery} iterations (or never: a fixed
 * budget of {@code maxIterations}). On a GPU a wait for the device costs more than the masked mode's extra
 * arithmetic, and a solve runs once per position and channel. {@link Mode#HOST} runs the same iteration element by
 * element in plain Java (float64 only): for the few elements a sampling step solves (one position of a batch), the
 * tensor modes spend their time dispatching several hundred tiny ops, which the host does not. {@link Mode#AUTO}, the
 * default, solves float64 on the host when at most {@value #HOST_LIMIT} element-components on the CPU are asked for,
 * compacts other solves on the CPU, and masks on any other device.
 *
 * <p>An element has converged when {@code |g| ≤ tolerance} (an error in {@code u} of at most {@code 1.26·tolerance},
 * as {@code Φ(u)/φ(u) ≤ 1.26} for {@code u ≤ 0}) and its Newton step is at most {@code tolerance·(1 + |x|)}, or
 * when its Newton step or its bracket has shrunk below the resolution of {@code x} in the working dtype, where no
 * closer float exists (far in the tails, or where the mixture has so little mass that F is flat in that dtype). In
 * float32 a tolerance below that resolution ({@code 1.2e-7}) is raised to it.
 *
 * @param tolerance     bound on the log-probability residual {@code |g|} and on the last Newton step relative to
 *                      {@code 1 + |x|}
 * @param maxIterations iteration cap; elements still unconverged then are returned at their last iterate and
 *                      counted in the report
 * @param mode          how converged elements are set aside (since API 1.2)
 * @param checkEvery    the masked mode's iterations between two tests for unconverged elements (each waits for the
 *                      device); 0 never tests, and every solve runs {@code maxIterations} iterations
 */
public record MixtureSolver(double tolerance, int maxIterations, Mode mode, int checkEvery) {
    public static final MixtureSolver DEFAULT = new MixtureSolver(1e-13, 100);
    /** The masked mode's default interval between tests for unconverged elements. */
    public static final int CHECK_EVERY = 8;
    /**
     * {@link Mode#AUTO} solves float64 on the host up to this many elements times components: there one element costs
     * a few microseconds per component and iteration (more where log Φ needs its continued fraction), where a tensor
     * solve of any size costs several milliseconds of op dispatch (about 4 ms for 4 elements of 27 components, 12 ms
     * for 512, on one core). 512 covers a sampling step (4 sequences of 4-token patches at 27 components: 432); a
     * Jacobi sweep over 256 elements of 8 components was slower on the host than in libtorch.
     */
    public static final long HOST_LIMIT = 512;

    /** How a solve sets converged elements aside. */
    public enum Mode {
        /** {@link #COMPACTING} on the CPU, {@link #MASKED} on other devices (CUDA), where waiting for the device costs. */
        AUTO,
        /** Converged elements leave the working set after every iteration (two device waits per iteration). */
        COMPACTING,
        /** Every element stays and converged ones are frozen; convergence is read every {@code checkEvery} iterations. */
        MASKED,
        /**
         * Each element iterated in plain Java on the host, one after the other: float64 only (a float32 solve compacts
         * on the CPU and masks elsewhere, as {@link #AUTO}). Since API 1.4.
         */
        HOST
    }
    /** A few units in the last place of a float64, relative to {@code 1 + |x|}. */
    private static final double RESOLUTION = 4e-16;
    /** The same for float32: one unit in the last place of 1, {@code 2⁻²³}. */
    private static final double RESOLUTION_FLOAT32 = 1.2e-7;

    public MixtureSolver {
        if (!(tolerance > 0) || maxIterations < 1)
            throw new IllegalArgumentException("tolerance must be positive and maxIterations at least 1");
        if (mode == null || checkEvery < 0)
            throw new IllegalArgumentException("a mode is needed, and checkEvery must be 0 (never) or positive");
    }

    /** A solver that picks its mode by device ({@link Mode#AUTO}), testing every {@value #CHECK_EVERY} iterations. */
    public MixtureSolver(double tolerance, int maxIterations) {
        this(tolerance, maxIterations, Mode.AUTO, CHECK_EVERY);
    }

    /** This solver in {@code mode}, the masked mode testing for convergence every {@code checkEvery} iterations. */
    public MixtureSolver with(Mode mode, int checkEvery) {
        return new MixtureSolver(tolerance, maxIterations, mode, checkEvery);
    }

    /**
     * The mode a solve of {@code u} runs in when it is too large for the host: {@link Mode#AUTO} compacts on the CPU
     * and masks elsewhere.
     */
    public Mode modeFor(Tensor u) {
        if (mode != Mode.AUTO && mode != Mode.HOST) return mode;
        return u.is_cpu() ? Mode.COMPACTING : Mode.MASKED;
    }

    /**
     * The mode a solve of {@code u} under {@code mixture} runs in: {@link Mode#HOST} as asked or, for {@link Mode#AUTO},
     * for float64 solves of at most {@link #HOST_LIMIT} element-components; otherwise {@link #modeFor(Tensor)}.
     */
    public Mode modeFor(GaussianMixture1d mixture, Tensor u) {
        return onHost(u, u.numel() * mixture.logWeights().size(-1)) ? Mode.HOST : modeFor(u);
    }

    /**
     * Whether this solver solves {@code elementComponents} element-components of float64 values like {@code u} on the
     * host: always in {@link Mode#HOST}, up to {@link #HOST_LIMIT} on the CPU in {@link Mode#AUTO}, never for float32.
     * A coupling that solves a chain of small problems (one per channel) may then keep the whole chain on the host
     * with {@link #solveOnHost}. Since API 1.4.
     */
    public boolean onHost(Tensor u, long elementComponents) {
        if (DensityDtype.single(u)) return false;
        if (mode == Mode.HOST) return true;
        return mode == Mode.AUTO && u.is_cpu() && elementComponents <= HOST_LIMIT;
    }

    /**
     * Roots on the host ({@link Mode#HOST}'s iteration), without gradient.
     *
     * @param x      one root per element
     * @param report elements, mean and max iterations, unconverged elements
     */
    public record HostRoots(double[] x, InverseReport report) {}

    /**
     * Solves {@code n = u.length} elements of {@code k} components in plain Java: {@code logWeights}, {@code means} and
     * {@code logScales} are {@code [n, k]} row-major (normalised log-weights). Since API 1.4.
     */
    public HostRoots solveOnHost(double[] u, double[] logWeights, double[] means, double[] logScales, int k) {
        int n = u.length;
        if (logWeights.length != n * k || means.length != n * k || logScales.length != n * k)
            throw new IllegalArgumentException("the parameters must hold " + n + " × " + k + " values each");
        double[] roots = new double[n];
        long[] iterations = new long[n];
        long unconverged = HostSolve.solve(
                u,
                logWeights,
                means,
                logScales,
                k,
                Math.max(tolerance, RESOLUTION),
                RESOLUTION,
                maxIterations,
                roots,
                iterations);
        long sum = 0;
        long max = 0;
        for (long it : iterations) {
            sum += it;
            max = Math.max(max, it);
        }
        InverseReport report =
                n == 0 ? new InverseReport(0, 0, 0, 0) : new InverseReport(n, sum / (double) n, max, unconverged);
        return new HostRoots(roots, report);
    }

    /**
     * @param x      the solution, in the dtype of {@code u}; differentiable in {@code u} and the mixture's
     *               parameters by one implicit-function step ({@code dx = −dg / g'(x)})
     * @param report elements, mean and max iterations, unconverged elements
     */
    public record Solution(Tensor x, InverseReport report) {}

    public Solution solve(GaussianMixture1d mixture, Tensor u) {
        Tensor root;
        InverseReport report;
        try (NoGradGuard ignored = new NoGradGuard()) {
            Mode how = modeFor(mixture, u);
            if (how == Mode.HOST) {
                Hosted hosted = onHost(mixture, u);
                root = hosted.root();
                report = hosted.report();
            } else {
                Search search = new Search(mixture, u);
                double tol = Math.max(tolerance, search.resolution);
                if (how == Mode.MASKED) {
                    report = search.runMasked(tol, maxIterations, checkEvery);
                    root = search.x.reshape(search.shape);
                } else {
                    report = search.run(tol, maxIterations);
                    root = search.roots();
                }
            }
        }
        return new Solution(attachGradient(mixture, u, root).to(u.scalar_type()), report);
    }

    private record Hosted(Tensor root, InverseReport report) {}

    /** {@link Mode#HOST}: the broadcast parameters read to the host in one copy, solved by {@link HostSolve}. */
    private Hosted onHost(GaussianMixture1d mixture, Tensor u) {
        TensorVector b = torch.broadcast_tensors(new TensorVector(
                u.detach().to(torch.ScalarType.Double).unsqueeze(-1),
                mixture.logWeights().detach().to(torch.ScalarType.Double),
                mixture.means().detach().to(torch.ScalarType.Double),
                mixture.logScales().detach().to(torch.ScalarType.Double)));
        int k = (int) b.get(0).size(-1);
        long[] shape = b.get(0).select(-1, 0).sizes().vec().get();
        double[] all = Placement.hostDoubles(torch.stack(b));
        int n = all.length / (4 * k);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) values[i] = all[i * k];
        int block = n * k;
        double[] logWeights = java.util.Arrays.copyOfRange(all, block, 2 * block);
        double[] means = java.util.Arrays.copyOfRange(all, 2 * block, 3 * block);
        double[] logScales = java.util.Arrays.copyOfRange(all, 3 * block, 4 * block);
        HostRoots solved = solveOnHost(values, logWeights, means, logScales, k);
        Tensor root = Placement.CPU.doubles(solved.x()).reshape(shape).to(u.device(), torch.ScalarType.Double);
        InverseReport report = solved.report();
        return new Hosted(root, report);
    }

    /** Gives {@code x} the gradient of the implicit function {@code g(x; u, θ) = 0} without changing its value. */
    private static Tensor attachGradient(GaussianMixture1d mixture, Tensor u, Tensor root) {
        boolean tracked = u.requires_grad()
                || mixture.logWeights().requires_grad()
                || mixture.means().requires_grad()
                || mixture.logScales().requires_grad();
        if (!GradMode.is_enabled() || !tracked) return root;
        Tensor x = root.to(mixture.means().scalar_type());
        Tensor sign = tailSign(u.detach()).to(x.scalar_type());
        Tensor logTail = GaussianMixture1d.logSumOverComponents(
                mixture.logWeights().add(Normal.logCdf(mixture.standardize(x).mul(sign.unsqueeze(-1)))));
        Tensor g = sign.mul(logTail.sub(Normal.logCdf(u.mul(sign))));
        Tensor slope = mixture.logPdf(x).sub(logTail).exp().detach();
        return x.sub(g.sub(g.detach()).div(slope));
    }

    /** {@code +1} where the lower tail is solved ({@code u < 0}), {@code −1} where the upper one is. */
    static Tensor tailSign(Tensor u) {
        return torch.where(u.lt(new Scalar(0.0)), new Scalar(1.0), new Scalar(-1.0));
    }

    /**
     * The working state of one solve: flattened to {@code N} elements, compacted to the unconverged ones or masked.
     * Its tensors are made on the device of {@code u}.
     */
    private static final class Search {
        private final torch.ScalarType dtype;
        private final double resolution;
        private final long[] shape;
        private final Tensor roots;
        private final Tensor iterations;
        private Tensor index;
        private Tensor x;
        private Tensor lo;
        private Tensor hi;
        private Tensor lastStep;
        private Tensor sign;
        private Tensor target;
        private Tensor logWeights;
        private Tensor means;
        private Tensor inverseScales;
        private Tensor logWeightsOverScales;
        private long unconverged;

        Search(GaussianMixture1d mixture, Tensor u) {
            boolean single = DensityDtype.single(u);
            dtype = single ? torch.ScalarType.Float : torch.ScalarType.Double;
            resolution = single ? RESOLUTION_FLOAT32 : RESOLUTION;
            TensorVector b = torch.broadcast_tensors(new TensorVector(
                    work(u).unsqueeze(-1),
                    work(mixture.logWeights()),
                    work(mixture.means()),
                    work(mixture.logScales())));
            long k = b.get(0).size(-1);
            Tensor uAll = b.get(0).select(-1, 0);
            shape = uAll.sizes().vec().get();
            Tensor logScalesAll = b.get(3).reshape(-1, k);
            logWeights = b.get(1).reshape(-1, k);
            means = b.get(2).reshape(-1, k);
            inverseScales = logScalesAll.neg().exp();
            logWeightsOverScales = logWeights.sub(logScalesAll);
            Tensor uFlat = uAll.reshape(-1);
            sign = tailSign(uFlat);
            target = Normal.logCdf(uFlat.mul(sign));
            Tensor quantiles = means.add(logScalesAll.exp().mul(uFlat.unsqueeze(1)));
            lo = torch.amin(quantiles, new long[] {1}, false);
            hi = torch.amax(quantiles, new long[] {1}, false);
            lastStep = hi.sub(lo);
            x = torch.softmax(logWeights, 1).mul(quantiles).sum(new long[] {1}, false, new ScalarTypeOptional());
            long n = uFlat.size(0);
            index = torch.arange(new Scalar(n), uFlat.options().dtype(new ScalarTypeOptional(torch.ScalarType.Long)));
            roots = torch.zeros(new long[] {n}, uFlat.options());
            iterations = torch.zeros(new long[] {n}, index.options());
        }

        /**
         * Iterates until every element has converged or {@code maxIterations} is reached. Each iteration runs in its
         * own pointer scope and only the state is carried over, so the temporaries of one iteration (several
         * {@code [N, K]} tensors) are freed before the next.
         */
        InverseReport run(double tolerance, int maxIterations) {
            long n = roots.size(0);
            if (n == 0) return new InverseReport(0, 0, 0, 0);
            try (Carried carried = new Carried()) {
                carried.hold(state());
                boolean more = true;
                for (int it = 0; more; it++) {
                    try (PointerScope ignored = new PointerScope()) {
                        more = iterate(it, tolerance, maxIterations);
                        carried.hold(state());
                    }
                }
            }
            double mean = iterations.sum().item_double() / n;
            return new InverseReport(n, mean, iterations.max().item_long(), unconverged);
        }

        private Tensor[] state() {
            return new Tensor[] {
                index, x, lo, hi, lastStep, sign, target, logWeights, means, inverseScales, logWeightsOverScales
            };
        }

        /** One Newton-or-bisection step on the unconverged elements; false when none is left. */
        private boolean iterate(int it, double tolerance, int maxIterations) {
            Residual r = residual(tolerance);
            Tensor g = r.g;
            Tensor step = r.step;
            Tensor done = r.done;
            if (it == maxIterations) {
                unconverged = done.logical_not().sum().item_long();
                done = torch.ones_like(done);
            }
            Tensor keep = retire(done, it);
            if (keep.size(0) == 0) return false;
            g = g.index_select(0, keep);
            step = step.index_select(0, keep);
            lo = torch.where(g.lt(new Scalar(0.0)), x, lo);
            hi = torch.where(g.gt(new Scalar(0.0)), x, hi);
            Tensor newton = x.sub(step);
            Tensor useNewton = newton.gt(lo)
                    .logical_and(newton.lt(hi))
                    .logical_and(step.abs().le(lastStep.abs().mul(new Scalar(0.5))));
            Tensor next = torch.where(useNewton, newton, lo.add(hi).mul(new Scalar(0.5)));
            lastStep = next.sub(x);
            x = next;
            return true;
        }

        /**
         * Iterates every element in place until none is left unconverged or {@code maxIterations} is reached,
         * freezing each at the iterate where it converged (the iterate the compacting mode returns), and tests for
         * unconverged elements every {@code checkEvery} iterations only (0: never). Reads the report from the device
         * once, at the end.
         */
        InverseReport runMasked(double tolerance, int maxIterations, int checkEvery) {
            long n = x.size(0);
            if (n == 0) return new InverseReport(0, 0, 0, 0);
            Tensor active =
                    torch.ones(new long[] {n}, x.options().dtype(new ScalarTypeOptional(torch.ScalarType.Bool)));
            Tensor left = torch.zeros(new long[] {}, iterations.options());
            try (Carried carried = new Carried()) {
                carried.hold(maskedState(active, left));
                boolean more = true;
                for (int it = 0; more; it++) {
                    try (PointerScope ignored = new PointerScope()) {
                        Residual r = residual(tolerance);
                        iterations.masked_fill_(r.done.logical_and(active), new Scalar(it));
                        active = active.logical_and(r.done.logical_not());
                        if (it == maxIterations) {
                            iterations.masked_fill_(active, new Scalar(it));
                            left = active.sum();
                            more = false;
                        } else {
                            Tensor moving = active;
                            lo = torch.where(moving.logical_and(r.g.lt(new Scalar(0.0))), x, lo);
                            hi = torch.where(moving.logical_and(r.g.gt(new Scalar(0.0))), x, hi);
                            Tensor newton = x.sub(r.step);
                            Tensor useNewton = newton.gt(lo)
                                    .logical_and(newton.lt(hi))
                                    .logical_and(r.step.abs().le(lastStep.abs().mul(new Scalar(0.5))));
                            Tensor next =
                                    torch.where(useNewton, newton, lo.add(hi).mul(new Scalar(0.5)));
                            lastStep = torch.where(moving, next.sub(x), lastStep);
                            x = torch.where(moving, next, x);
                            more = checkEvery == 0
                                    || (it + 1) % checkEvery != 0
                                    || active.any().item_bool();
                        }
                        carried.hold(maskedState(active, left));
                    }
                }
            }
            double[] read = Placement.hostDoubles(torch.stack(new TensorVector(
                    iterations.sum().to(torch.ScalarType.Double),
                    iterations.max().to(torch.ScalarType.Double),
                    left.to(torch.ScalarType.Double))));
            unconverged = (long) read[2];
            return new InverseReport(n, read[0] / n, (long) read[1], unconverged);
        }

        private Tensor[] maskedState(Tensor active, Tensor left) {
            return new Tensor[] {
                x, lo, hi, lastStep, sign, target, logWeights, means, inverseScales, logWeightsOverScales, active, left
            };
        }

        /**
         * @param g    the log-space residual of every element
         * @param step its Newton step
         * @param done whether it has converged
         */
        private record Residual(Tensor g, Tensor step, Tensor done) {}

        /** The residual, the Newton step and the convergence test of the current iterates. */
        private Residual residual(double tolerance) {
            Tensor z = x.unsqueeze(1).sub(means).mul(inverseScales);
            Tensor logTail =
                    GaussianMixture1d.logSumOverComponents(logWeights.add(Normal.logCdf(z.mul(sign.unsqueeze(1)))));
            Tensor logP = GaussianMixture1d.logSumOverComponents(
                            logWeightsOverScales.sub(z.square().mul(new Scalar(0.5))))
                    .sub(new Scalar(Normal.HALF_LOG_TWO_PI));
            Tensor g = sign.mul(logTail.sub(target));
            Tensor step = g.mul(logTail.sub(logP).exp());
            Tensor scale = x.abs().add(new Scalar(1.0));
            Tensor resolution = scale.mul(new Scalar(this.resolution));
            Tensor done = g.abs()
                    .le(new Scalar(tolerance))
                    .logical_and(step.abs().le(scale.mul(new Scalar(tolerance))))
                    .logical_or(step.abs().le(resolution))
                    .logical_or(hi.sub(lo).le(resolution));
            return new Residual(g, step, done);
        }

        /** Writes out the converged elements, compacts the state to the rest and returns their positions in it. */
        private Tensor retire(Tensor done, int iteration) {
            Tensor finished = done.nonzero().squeeze(1);
            Tensor keep = done.logical_not().nonzero().squeeze(1);
            if (finished.size(0) == 0) return keep;
            Tensor where = index.index_select(0, finished);
            roots.index_copy_(0, where, x.index_select(0, finished));
            iterations.index_fill_(0, where, new Scalar(iteration));
            if (keep.size(0) > 0) {
                index = index.index_select(0, keep);
                x = x.index_select(0, keep);
                lo = lo.index_select(0, keep);
                hi = hi.index_select(0, keep);
                lastStep = lastStep.index_select(0, keep);
                sign = sign.index_select(0, keep);
                target = target.index_select(0, keep);
                logWeights = logWeights.index_select(0, keep);
                means = means.index_select(0, keep);
                inverseScales = inverseScales.index_select(0, keep);
                logWeightsOverScales = logWeightsOverScales.index_select(0, keep);
            }
            return keep;
        }

        Tensor roots() {
            return roots.reshape(shape);
        }

        private Tensor work(Tensor t) {
            return t.detach().to(dtype);
        }
    }
}
