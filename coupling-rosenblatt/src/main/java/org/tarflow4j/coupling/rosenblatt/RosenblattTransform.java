package org.tarflow4j.coupling.rosenblatt;

import java.util.ArrayList;
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
import org.tarflow4j.api.numerics.Normal;
import org.tarflow4j.api.numerics.RecomputedRows;

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
     * @return in the density dtype: {@code u [r, P·d]}, the log-det {@code [r, 1]}, and what {@link #gradient} reads
     *     back, without gradient: each channel's tail side ({@code ±1}), log tail probability and log density
     *     {@code [r, P·d]}
     */
    List<Tensor> forward(List<Tensor> rows, List<Tensor> shared) {
        Tensor tokens = density.cast(rows.get(0)).unflatten(-1, patch, tokenChannels);
        Components components = components(shared);
        Tensor logWeights = logWeights(rows);
        TensorVector u = new TensorVector();
        TensorVector side = new TensorVector();
        TensorVector logTail = new TensorVector();
        TensorVector logDensity = new TensorVector();
        Tensor logDet = null;
        try (Carried carried = new Carried()) {
            carried.hold(logWeights);
            for (int i = 0; i < tokenChannels; i++) {
                try (PointerScope ignored = new PointerScope()) {
                    GaussianMixture1d mixture = components.dimension(i, logWeights);
                    GaussianMixture1d.Conditioned s = mixture.toNormalAndPosterior(tokens.select(-1, i));
                    u.push_back(s.u());
                    side.push_back(s.side());
                    logTail.push_back(s.logTail().detach());
                    logDensity.push_back(s.logDensity().detach());
                    logDet = logDet == null ? s.logDet() : logDet.add(s.logDet());
                    logWeights = s.logPosterior();
                    carried.hold(logWeights, logDet);
                }
            }
        }
        Tensor perPosition = logDet.sum(new long[] {-1}, true, new ScalarTypeOptional());
        return List.of(channels(u), perPosition, channels(side), channels(logTail), channels(logDensity));
    }

    /** Per-channel {@code [r, P]} tensors as {@code [r, P·d]}, token-major. */
    private static Tensor channels(TensorVector perChannel) {
        return torch.stack(perChannel, -1).flatten(-2, -1);
    }

    /**
     * The vector-Jacobian product of {@link #forward}, by hand ({@link RecomputedRows.RowGradient}): the gradients of
     * {@code x}, the logits, the means and the log-scales given those of {@code u} and the log-det. Per channel
     * {@code i}, with {@code z_k = (x_i − μ_ki)/σ_k}, the side {@code s}, {@code T = logsumexp_k(log α_k + log Φ(s z_k))},
     * {@code u = s Φ⁻¹(e^T)}, the joint {@code j_k = log α_k + log N(x_i; μ_ki, σ_k²)}, {@code L = logsumexp_k j_k}, the
     * log-det {@code L − log φ(u)} and the next weights {@code log α'_k = j_k − L}: with {@code ḡ} the gradient of the
     * next weights, {@code G = Σ_k ḡ_k} and {@code D} that of the log-det,
     * <pre>
     *   g_T = (∂u + D u) s Φ(su)/φ(su),   w_k = exp(log α_k + log Φ(s z_k) − T),   g_j = ḡ + α' (D − G)
     *   ∂ log α = g_j + g_T w,   g_z = g_T w s φ(s z)/Φ(s z) − g_j z
     *   ∂x_i = Σ_k g_z / σ_k,   ∂μ_ki = −Σ g_z / σ_k,   ∂ log σ_k = −Σ (g_j + g_z z)
     * </pre>
     * and at the start the logits get {@code ∂ log α⁽⁰⁾ − softmax · Σ_k ∂ log α⁽⁰⁾}. The forward pass's side, {@code T}
     * and {@code L} come back as its outputs; the chain of weights {@code log α⁽ⁱ⁾} is recomputed ({@code d + 1} tensors
     * {@code [r, P, V]}), then the channels run backwards, each recomputing its log-CDFs.
     */
    List<Tensor> gradient(List<Tensor> rows, List<Tensor> shared, List<Tensor> outputs, List<Tensor> gradients) {
        int d = tokenChannels;
        Tensor tokens = density.cast(rows.get(0)).unflatten(-1, patch, d);
        Components components = components(shared);
        Tensor scales = components.logScales().exp();
        Tensor u = perToken(outputs.get(0));
        Tensor side = perToken(outputs.get(2));
        Tensor logTail = perToken(outputs.get(3));
        Tensor logDensity = perToken(outputs.get(4));
        Tensor[] logWeights = new Tensor[d + 1];
        logWeights[0] = logWeights(rows);
        try (Carried carried = new Carried()) {
            for (int i = 0; i < d; i++) {
                try (PointerScope ignored = new PointerScope()) {
                    GaussianMixture1d mixture = components.dimension(i, logWeights[i]);
                    Tensor z = mixture.standardize(tokens.select(-1, i));
                    logWeights[i + 1] =
                            mixture.joint(z).sub(logDensity.select(-1, i).unsqueeze(-1));
                    carried.hold(logWeights);
                }
            }
        }
        Tensor gradU = perToken(gradients.get(0));
        Tensor gradLogDet = gradients.get(1);
        Tensor gradX = torch.empty_like(tokens);
        Tensor gradMeans = torch.zeros_like(components.means());
        Tensor gradLogScales = torch.zeros_like(components.logScales());
        Tensor gradWeights = null;
        try (Carried carried = new Carried()) {
            for (int i = d - 1; i >= 0; i--) {
                try (PointerScope ignored = new PointerScope()) {
                    GaussianMixture1d mixture = components.dimension(i, logWeights[i]);
                    Tensor s = side.select(-1, i);
                    Tensor ui = u.select(-1, i);
                    Tensor gradTail = gradU.select(-1, i)
                            .add(gradLogDet.mul(ui))
                            .mul(s)
                            .mul(Normal.lowerQuantileSlope(ui.mul(s)));
                    Tensor tail = logTail.select(-1, i);
                    Tensor z = mixture.standardize(tokens.select(-1, i));
                    TailWeights tailWeights = tailWeights(z.mul(s.unsqueeze(-1)), logWeights[i], tail);
                    Tensor w = tailWeights.w();
                    Tensor posterior = logWeights[i + 1].exp();
                    Tensor gradJoint = gradWeights == null
                            ? posterior.mul(gradLogDet.unsqueeze(-1))
                            : posterior
                                    .mul(gradLogDet.sub(gradWeights.sum(-1)).unsqueeze(-1))
                                    .add(gradWeights);
                    Tensor gradW = w.mul(gradTail.unsqueeze(-1));
                    Tensor gradZ =
                            gradW.mul(tailWeights.slope().mul(s.unsqueeze(-1))).sub(gradJoint.mul(z));
                    Tensor gradZScaled = gradZ.div(scales);
                    gradX.select(-1, i).copy_(gradZScaled.sum(-1));
                    gradMeans.select(1, i).sub_(sumOverPositions(gradZScaled));
                    gradLogScales.sub_(sumOverPositions(gradZ.mul(z).add(gradJoint)));
                    gradWeights = gradJoint.add(gradW);
                    carried.hold(gradWeights);
                }
            }
        }
        Tensor gradLogits = null;
        if (rows.size() > 1) {
            Tensor softmax = logWeights[0].exp();
            gradLogits = gradWeights
                    .sub(softmax.mul(gradWeights.sum(-1).unsqueeze(-1)))
                    .flatten(-2, -1)
                    .to(rows.get(1).scalar_type());
        }
        List<Tensor> out = new ArrayList<>();
        out.add(gradX.flatten(-2, -1).to(rows.get(0).scalar_type()));
        if (rows.size() > 1) out.add(gradLogits);
        out.add(gradMeans.to(shared.get(0).scalar_type()));
        out.add(gradLogScales.to(shared.get(1).scalar_type()));
        return out;
    }

    /** A channel's tail weights {@code w_k = exp(log α_k + log Φ(y_k) − T)} and the slopes of {@code log Φ(y_k)}. */
    private record TailWeights(Tensor w, Tensor slope) {}

    /**
     * {@link TailWeights} for {@code y = s z}. On the CPU the components below {@code log Φ}'s series threshold keep
     * the value at the threshold and skip the series where the forward pass did ({@link Normal.Clamped#negligibleBelow}):
     * the weights are then those of the tail the forward pass computed.
     */
    private static TailWeights tailWeights(Tensor y, Tensor logWeights, Tensor logTail) {
        Normal.LogCdf logCdf;
        if (y.is_cpu()) {
            Normal.Clamped c = Normal.logCdfClamped(y, true);
            logCdf = c.negligibleBelow(logTail) ? new Normal.LogCdf(c.value(), c.slope()) : Normal.complete(c, y);
        } else {
            logCdf = Normal.logCdfAndSlope(y);
        }
        Tensor w = logWeights.add(logCdf.value()).sub_(logTail.unsqueeze(-1)).exp_();
        return new TailWeights(w, logCdf.slope());
    }

    /** {@code [r, P·d]} as {@code [r, P, d]}. */
    private Tensor perToken(Tensor t) {
        return t.unflatten(-1, patch, tokenChannels);
    }

    /** {@code Σ} over the rows and tokens of {@code [r, P, V]}: {@code [V]}. */
    private static Tensor sumOverPositions(Tensor t) {
        return t.sum(new long[] {0, 1}, false, new ScalarTypeOptional());
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
        Tensor logWeights = logWeights(rows);
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
    private Tensor logWeights(List<Tensor> rows) {
        if (rows.size() < 2)
            return torch.zeros(
                    new long[] {rows.get(0).size(0), patch, 1},
                    rows.get(0).options().dtype(new ScalarTypeOptional(density.scalarType())));
        return torch.log_softmax(density.cast(rows.get(1)).unflatten(-1, patch, vocab), -1);
    }

    /** {@code log α⁽ⁱ⁺¹⁾ = log_softmax(log α⁽ⁱ⁾ + log N(x_i; μ_ki, σ_k²))}. */
    private static Tensor bayesUpdate(GaussianMixture1d mixture, Tensor xi) {
        return torch.log_softmax(mixture.joint(mixture.standardize(xi)), -1);
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
