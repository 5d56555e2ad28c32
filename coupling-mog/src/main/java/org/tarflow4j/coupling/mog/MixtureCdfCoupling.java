package org.tarflow4j.coupling.mog;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.InverseReport;
import org.tarflow4j.api.JacobianShape;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.api.numerics.DensityDtype;
import org.tarflow4j.api.numerics.GaussianMixture1d;
import org.tarflow4j.api.numerics.MixtureSolver;

/**
 * Mix-1: each channel {@code c} has its own K-component Gaussian mixture {@code p(x_c) = Σ_k π_k N(x_c; m_k, σ_k²)}
 * with parameters from the features (and, channel-autoregressively, from {@code x_{<c}} of the same position), and
 * is mapped to a standard normal by {@code u_c = Φ⁻¹(F(x_c))}; {@code log|det| = Σ_c [log p(x_c) − log φ(u_c)]}.
 *
 * <p>Per channel the head emits {@code 3K} raw values: mixture logits ({@code log π = log_softmax}), means, and
 * log-scales passed through {@link ScaleBounds}. At initialisation the head's output is its bias: equal weights,
 * means spread evenly over {@code [−½, ½]} (distinct, so the components are not symmetric) and the common scale
 * that gives the mixture unit variance, so the map starts close to the identity.
 *
 * <p>The mixture math runs in the coupling's {@link DensityDtype} (float64 unless {@code density_dtype = "float32"});
 * u, the log-det and the inverse come back in the dtype of the caller's tensors.
 */
final class MixtureCdfCoupling extends Module implements Coupling {
    private static final double MEAN_SPREAD = 0.5;
    /** {@code [K]} density-dtype tensors the graph of one channel's mixture CDF keeps (51 to 54 measured by bench couplings). */
    static final int MIXTURE_TENSORS = 52;

    private final int channels;
    private final int mixtures;
    private final ScaleBounds bounds;
    private final MixtureSolver solver;
    private final DensityDtype density;
    private final FeatureHead head;
    private final MaskedMlp made;
    private final int hidden;
    private final ThreadLocal<InverseReport> lastInverse = ThreadLocal.withInitial(() -> InverseReport.EXACT);

    /** @param hidden width of the masked MLP, or 0 for a head on the features alone */
    MixtureCdfCoupling(
            int channels,
            int featureWidth,
            int mixtures,
            int hidden,
            ScaleBounds bounds,
            MixtureSolver solver,
            DensityDtype density) {
        super("MixtureCdfCoupling");
        this.channels = channels;
        this.density = density;
        this.mixtures = mixtures;
        this.bounds = bounds;
        this.solver = solver;
        this.hidden = hidden;
        head = register_module("head", new FeatureHead(featureWidth, initialBias()));
        made = hidden > 0 ? register_module("made", new MaskedMlp(channels, featureWidth, hidden, 3 * mixtures)) : null;
    }

    @Override
    public Transformed forward(Tensor x, Tensor features) {
        Tensor raw = head.forward(features);
        if (made != null) raw = raw.add(made.forward(made.featureContext(features), x));
        Tensor xd = density.cast(x);
        GaussianMixture1d.Standardized s =
                mixture(raw.unflatten(-1, channels, 3, mixtures)).toNormal(xd);
        Tensor logDet = s.logDet().sum(new long[] {-1}, false, new ScalarTypeOptional());
        return new Transformed(s.u().to(x.scalar_type()), logDet.to(x.scalar_type()));
    }

    @Override
    public Tensor inverse(Tensor u, Tensor features) {
        Tensor raw = head.forward(features);
        if (made == null) {
            MixtureSolver.Solution solution =
                    mixture(raw.unflatten(-1, channels, 3, mixtures)).fromNormal(density.cast(u), solver);
            lastInverse.set(solution.report());
            return solution.x().to(u.scalar_type());
        }
        return inverseByChannel(u, raw, made.featureContext(features));
    }

    /** Channel {@code c} is solved once {@code x_{<c}} is known; the channels not yet solved are masked out anyway. */
    private Tensor inverseByChannel(Tensor u, Tensor raw, Tensor context) {
        List<Tensor> solved = new ArrayList<>();
        InverseReport report = InverseReport.EXACT;
        int perChannel = 3 * mixtures;
        for (int c = 0; c < channels; c++) {
            Tensor known = prefix(solved, u);
            Tensor channelRaw =
                    raw.narrow(-1, (long) c * perChannel, perChannel).add(made.channel(context, known, c));
            MixtureSolver.Solution solution =
                    mixture(channelRaw.unflatten(-1, 3, mixtures)).fromNormal(density.cast(u.select(-1, c)), solver);
            solved.add(solution.x().to(u.scalar_type()).unsqueeze(-1));
            report = report.plus(solution.report());
        }
        lastInverse.set(report);
        return torch.cat(new TensorVector(solved.toArray(new Tensor[0])), -1);
    }

    /** The channels solved so far followed by zeros: {@code [B, T, C]}. */
    private Tensor prefix(List<Tensor> solved, Tensor like) {
        Tensor rest = torch.zeros_like(like.narrow(-1, 0, channels - solved.size()));
        if (solved.isEmpty()) return rest;
        List<Tensor> parts = new ArrayList<>(solved);
        parts.add(rest);
        return torch.cat(new TensorVector(parts.toArray(new Tensor[0])), -1);
    }

    /** The mixture from raw parameters {@code [..., 3, K]}, in the density dtype. */
    private GaussianMixture1d mixture(Tensor raw) {
        Tensor p = density.cast(raw);
        return new GaussianMixture1d(
                torch.log_softmax(p.select(-2, 0), -1), p.select(-2, 1), bounds.logScale(p.select(-2, 2)));
    }

    private Tensor initialBias() {
        double[] perChannel = new double[3 * mixtures];
        double variance = 0;
        for (int k = 0; k < mixtures; k++) {
            double mean = mixtures == 1 ? 0 : MEAN_SPREAD * (2.0 * k / (mixtures - 1) - 1);
            perChannel[mixtures + k] = mean;
            variance += mean * mean / mixtures;
        }
        double raw = bounds.raw(0.5 * Math.log(1 - variance));
        for (int k = 0; k < mixtures; k++) perChannel[2 * mixtures + k] = raw;
        double[] all = new double[channels * perChannel.length];
        for (int c = 0; c < channels; c++)
            System.arraycopy(perChannel, 0, all, c * perChannel.length, perChannel.length);
        return Placement.CPU.doubles(all);
    }

    /**
     * Per position and channel, {@link #MIXTURE_TENSORS} {@code [K]} tensors of the density dtype (the graph of the
     * mixture CDF and density in log space) and the head's {@code 3K} raw values with their gradient in float32; the
     * masked MLP's hidden layer, its activation and their gradients where there is one.
     */
    @Override
    public double trainingBytes(long positions) {
        double perChannel = (double) mixtures * (MIXTURE_TENSORS * density.bytes() + 2 * 3 * Float.BYTES);
        return positions * (channels * perChannel + (double) 4 * hidden * channels * Float.BYTES);
    }

    @Override
    public JacobianShape jacobianShape() {
        return made == null ? JacobianShape.DIAGONAL : JacobianShape.LOWER_TRIANGULAR;
    }

    @Override
    public InverseReport lastInverse() {
        return lastInverse.get();
    }
}
