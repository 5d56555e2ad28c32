package org.tarflow4j.coupling.rosenblatt;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.InverseReport;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.numerics.Carried;
import org.tarflow4j.api.numerics.DensityDtype;
import org.tarflow4j.api.numerics.GaussianMixture1d;
import org.tarflow4j.api.numerics.MixtureSolver;

/**
 * The paper's Algorithm 1 on rows of positions, written straightforwardly with differentiable ops: for
 * {@code i = 1..d}, {@code u_i = Φ⁻¹(Σ_k α_k⁽ⁱ⁾ Φ((x_i − μ_ki)/σ_k))} with the weights
 * {@code α⁽ⁱ⁾ ∝ π_k Π_{j<i} N(x_j; μ_kj, σ_k²)} updated by Bayes' rule, and the log-det
 * {@code log p(x) − Σ_i log φ(u_i)}. Each row is one position: {@code P} tokens of {@code d} channels, each token with
 * its own mixture logits over the {@code V} components and the same codebook.
 *
 * <p>The math runs in the {@link DensityDtype}; results come back in the dtype of the latents. Each channel runs in
 * its own pointer scope ({@link Carried}), so without gradient only one channel's temporaries are alive at a time;
 * with gradient the autograd graph still keeps several {@code [rows, P, V]} tensors per channel: {@link RosenblattCoupling} runs it over chunks of rows and
 * recomputes each chunk in the backward pass, or, as the reference, over all rows at once.
 */
final class RosenblattTransform {
    private final int patch;
    private final int tokenChannels;
    private final int vocab;
    private final DensityDtype density;

    RosenblattTransform(int patch, int tokenChannels, int vocab, DensityDtype density) {
        this.patch = patch;
        this.tokenChannels = tokenChannels;
        this.vocab = vocab;
        this.density = density;
    }

    /**
     * @param rows   {@code x [r, P·d]} and, unless {@code V = 1}, the mixture logits {@code [r, P·V]}
     * @param shared the codebook's means {@code [V, d]} and log-scales {@code [V]}
     * @return {@code u [r, P·d]} and the log-det {@code [r, 1]}, in the dtype of {@code x}
     */
    List<Tensor> forward(List<Tensor> rows, List<Tensor> shared) {
        Tensor x = rows.get(0);
        Tensor tokens = density.cast(x).unflatten(-1, patch, tokenChannels);
        Components components = components(shared);
        Tensor logWeights = logWeights(rows, tokens);
        TensorVector u = new TensorVector();
        Tensor logDet = null;
        try (Carried carried = new Carried()) {
            carried.hold(logWeights);
            for (int i = 0; i < tokenChannels; i++) {
                try (PointerScope ignored = new PointerScope()) {
                    GaussianMixture1d mixture = components.dimension(i, logWeights);
                    GaussianMixture1d.Conditioned s = mixture.toNormalAndPosterior(tokens.select(-1, i));
                    u.push_back(s.u());
                    logDet = logDet == null ? s.logDet() : logDet.add(s.logDet());
                    logWeights = s.logPosterior();
                    carried.hold(logWeights, logDet);
                }
            }
        }
        Tensor value = torch.stack(u, -1).flatten(-2, -1).to(x.scalar_type());
        Tensor perPosition = logDet.sum(new long[] {-1}, true, new ScalarTypeOptional());
        return List.of(value, perPosition.to(x.scalar_type()));
    }

    /** The inverse of {@link #forward}'s first output, channel by channel, and what its root finding cost. */
    record Inverse(Tensor x, InverseReport report) {}

    /** @param rows {@code u [r, P·d]} and, unless {@code V = 1}, the mixture logits {@code [r, P·V]} */
    Inverse inverse(List<Tensor> rows, List<Tensor> shared, MixtureSolver solver) {
        Tensor u = rows.get(0);
        if (density == DensityDtype.FLOAT64 && solver.onHost(u, u.size(0) * patch * vocab))
            return inverseOnHost(rows, shared, solver);
        Tensor tokens = density.cast(u).unflatten(-1, patch, tokenChannels);
        Components components = components(shared);
        Tensor logWeights = logWeights(rows, tokens);
        TensorVector x = new TensorVector();
        InverseReport report = InverseReport.EXACT;
        try (Carried carried = new Carried()) {
            carried.hold(logWeights);
            for (int i = 0; i < tokenChannels; i++) {
                try (PointerScope ignored = new PointerScope()) {
                    GaussianMixture1d mixture = components.dimension(i, logWeights);
                    MixtureSolver.Solution solution = mixture.fromNormal(tokens.select(-1, i), solver);
                    x.push_back(solution.x());
                    report = report.plus(solution.report());
                    if (i + 1 < tokenChannels) logWeights = bayesUpdate(mixture, solution.x());
                    carried.hold(logWeights);
                }
            }
        }
        return new Inverse(torch.stack(x, -1).flatten(-2, -1).to(u.scalar_type()), report);
    }

    /**
     * {@link #inverse} for a few rows (the solver's {@link MixtureSolver#onHost}: a sampling step's single position),
     * the whole chain on the host: the weights, each channel's solve and Bayes' rule in plain Java, so that a step
     * costs a handful of copies instead of some thirty libtorch ops per channel. The same arithmetic as the tensor
     * chain, up to rounding.
     */
    private Inverse inverseOnHost(List<Tensor> rows, List<Tensor> shared, MixtureSolver solver) {
        Tensor u = rows.get(0);
        int r = (int) u.size(0);
        int n = r * patch;
        int d = tokenChannels;
        int k = vocab;
        double[] us = Placement.hostDoubles(u);
        double[] mu = Placement.hostDoubles(shared.get(0));
        double[] logScales = Placement.hostDoubles(shared.get(1));
        double[] logWeights = rows.size() < 2 ? new double[n] : Placement.hostDoubles(rows.get(1));
        for (int e = 0; e < n; e++) logSoftmax(logWeights, e * k, k);
        double[] x = new double[n * d];
        double[] ui = new double[n];
        double[] means = new double[n * k];
        double[] scales = new double[n * k];
        for (int e = 0; e < n; e++) System.arraycopy(logScales, 0, scales, e * k, k);
        InverseReport report = InverseReport.EXACT;
        for (int i = 0; i < d; i++) {
            for (int e = 0; e < n; e++) {
                ui[e] = us[e * d + i];
                for (int c = 0; c < k; c++) means[e * k + c] = mu[c * d + i];
            }
            MixtureSolver.HostRoots solved = solver.solveOnHost(ui, logWeights, means, scales, k);
            report = report.plus(solved.report());
            for (int e = 0; e < n; e++) {
                double xi = solved.x()[e];
                x[e * d + i] = xi;
                if (i + 1 == d) continue;
                for (int c = 0; c < k; c++) {
                    double z = (xi - mu[c * d + i]) * Math.exp(-logScales[c]);
                    logWeights[e * k + c] += -0.5 * z * z - logScales[c];
                }
                logSoftmax(logWeights, e * k, k);
            }
        }
        Tensor out = Placement.CPU.doubles(x, r, (long) patch * d).to(u.device(), u.scalar_type());
        return new Inverse(out, report);
    }

    /** {@code v[from, from + k)} replaced by its log-softmax. */
    private static void logSoftmax(double[] v, int from, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = from; c < from + k; c++) max = Math.max(max, v[c]);
        double sum = 0;
        for (int c = from; c < from + k; c++) sum += Math.exp(v[c] - max);
        double log = max + Math.log(sum);
        for (int c = from; c < from + k; c++) v[c] -= log;
    }

    /** {@code log π [r, P, V]} from the logits; with one component the single weight is 1. */
    private Tensor logWeights(List<Tensor> rows, Tensor tokens) {
        if (rows.size() < 2) return torch.zeros_like(tokens.narrow(-1, 0, 1));
        return torch.log_softmax(density.cast(rows.get(1)).unflatten(-1, patch, vocab), -1);
    }

    /** {@code log α⁽ⁱ⁺¹⁾ = log_softmax(log α⁽ⁱ⁾ + log N(x_i; μ_ki, σ_k²))}. */
    private static Tensor bayesUpdate(GaussianMixture1d mixture, Tensor xi) {
        return torch.log_softmax(mixture.logWeights().add(mixture.componentLogPdf(xi)), -1);
    }

    private Components components(List<Tensor> shared) {
        return new Components(density.cast(shared.get(0)), density.cast(shared.get(1)));
    }

    private record Components(Tensor means, Tensor logScales) {
        /** The 1-D mixture of dimension {@code i} under the weights {@code logWeights [r, P, V]}. */
        GaussianMixture1d dimension(int i, Tensor logWeights) {
            return new GaussianMixture1d(logWeights, means.select(1, i), logScales);
        }
    }
}
