package org.tarflow4j.trainer.model;

import java.util.Arrays;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.Transformed;

/**
 * One autoregressive flow layer: in its direction, position t is mapped by the coupling conditioned on the
 * backbone's features of the positions before it, {@code u_t = f(x_t; g(x_<t))}; then the channel mixer.
 * A right-to-left layer is a left-to-right layer on the sequence reversed. Positions keep the backbone's position
 * codes they have in training, where every sequence fills the context: a left-to-right layer reads a sequence from
 * position 0, a right-to-left layer reads its reversal placed to end at the last position, so on a sequence of n
 * positions shorter than the context's N, original position t has code {@code N − 1 − t} in either case.
 */
public final class FlowLayer extends Module {
    private final Backbone backbone;
    private final Coupling coupling;
    private final ChannelMixer mixer;
    private final boolean leftToRight;
    private final long positions;
    private boolean bf16;
    private JacobiReport lastJacobi = new JacobiReport(0, 0);

    /** @param positions the flow positions of the context (the backbone's positions) */
    public FlowLayer(Backbone backbone, Coupling coupling, ChannelMixer mixer, boolean leftToRight, long positions) {
        this.backbone = backbone;
        this.coupling = coupling;
        this.mixer = mixer;
        this.leftToRight = leftToRight;
        this.positions = positions;
        register_module("backbone", backbone.module());
        register_module("coupling", coupling.module());
        register_module("mixer", mixer.module());
    }

    /** Runs the backbone under bf16 autocast; the coupling's math stays in the latents' dtype. */
    void bf16(boolean on) {
        bf16 = on;
    }

    public boolean leftToRight() {
        return leftToRight;
    }

    public Backbone backbone() {
        return backbone;
    }

    public Coupling coupling() {
        return coupling;
    }

    /** The channel mixer applied after the coupling. */
    public ChannelMixer mixer() {
        return mixer;
    }

    /** {@code x [B, N, C] → (u, log|det| per position [B, N])}. */
    public Transformed forward(Tensor x) {
        return forward(x, "flow layer");
    }

    /** {@link #forward(Tensor)}, its backbone and coupling (with the mixer) charged to {@code name}'s sections of a {@link StepProfile}. */
    Transformed forward(Tensor x, String name) {
        StepProfile.markBackward(x, name + " backbone (backward)");
        Tensor xs = ordered(x);
        Tensor features = StepProfile.markBackward(features(xs, offset(xs.size(1))), name + " coupling (backward)");
        StepProfile.mark(name + " backbone");
        Transformed c = coupling.forward(xs, features);
        Transformed m = mixer.forward(ordered(c.value()));
        StepProfile.mark(name + " coupling");
        return new Transformed(m.value(), ordered(c.logDet()).add(m.logDet()));
    }

    /**
     * The features for every position of {@code xs} (this layer's order), the first at backbone position
     * {@code offset}: 0, or for a right-to-left layer {@link #offset} of the whole sequence's length.
     */
    Tensor features(Tensor xs, long offset) {
        return Precision.features(backbone, xs, offset, bf16);
    }

    /**
     * The backbone position of the first of {@code n} positions in this layer's order: 0 left to right; right to left
     * {@code N − n}, so the reversed sequence ends where the context ends, as it does in training.
     */
    long offset(long n) {
        if (n > positions)
            throw new IllegalArgumentException(
                    "a sequence of " + n + " positions is longer than the context's " + positions);
        return leftToRight ? 0 : positions - n;
    }

    /** Whether weight decay applies to {@code name} ({@code backbone.…}, {@code coupling.…}): its component decides. */
    boolean decays(String name, Tensor parameter) {
        int dot = name.indexOf('.');
        String own = name.substring(dot + 1);
        return switch (name.substring(0, dot)) {
            case "backbone" -> backbone.decays(own, parameter);
            case "coupling" -> coupling.decays(own, parameter);
            case "mixer" -> mixer.decays(own, parameter);
            default -> throw new IllegalArgumentException("no component of a flow layer holds " + name);
        };
    }

    /**
     * {@code u → x}, position by position in this layer's order with the backbone's cache, so each step costs one
     * position. Without gradients.
     */
    public Tensor inverse(Tensor u) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor us = ordered(mixer.inverse(u));
            Tensor xs = torch.empty_like(us);
            step(xs, us, 0, us.size(1), offset(us.size(1)));
            return ordered(xs);
        }
    }

    /**
     * {@code u → x} for a left-to-right layer whose first positions are known: the cache reads {@code prefix
     * [B, p, C]}, then the positions after it are inverted one by one from {@code u [B, N, C]} (whose first p
     * positions are ignored). Without gradients.
     */
    public Tensor inverseAfter(Tensor prefix, Tensor u) {
        requirePrefixable(prefix);
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor us = mixer.inverse(u);
            Tensor xs = withPrefix(prefix, us);
            step(xs, us, prefix.size(1), us.size(1), 0);
            return xs;
        }
    }

    /**
     * {@code u → x} by Jacobi iteration, as STARFlow inverts image flows: every unsettled position of a block is
     * updated at once from the features of the current iterate, {@code x ← f⁻¹(u; g(x))}, starting from
     * {@code x = u}. After a sweep the first unsettled position is exact (everything before it is final). The others
     * settle by an estimate of their distance to the sequential inverse: the error after a sweep is
     * {@code e' = J e} and the error before it {@code e = −(I − J)⁻¹ d}, with {@code d} the sweep's changes and
     * {@code J} the strictly lower-triangular Jacobian of the sweep, so a position's distance is at most
     * {@code ρ/(1 − ρ)} times the largest change of the positions before it, {@code ρ} the norm of J; ρ is measured as
     * the ratio of the largest changes of the last two sweeps. A position settles, and leaves the iteration, when it
     * and every position before it have this estimate, and their own change, within {@code tolerance}; in a block's
     * first sweep, where ρ is not known yet, only the exact first position settles. Where the iteration stops contracting (ρ ≥ 1: a layer
     * whose positions depend on each other too sharply for parallel updates to help, or an iterate at the noise floor
     * of float32 features) or after {@code maxSweeps} sweeps, the rest of the block is finished position by position
     * with the backbone's cache. So {@code tolerance} bounds each position's distance to {@link #inverse} (up to the
     * estimate of ρ; checked on a trained model at its full context). Blocks of {@code block} positions in this layer's order (0: the whole
     * sequence) are solved one after the other. {@code prefix [B, p, C]} are known leading positions (p = 0 for none;
     * p > 0 needs a left-to-right layer). Without gradients.
     */
    public Tensor inverseJacobi(Tensor prefix, Tensor u, int block, double tolerance, int maxSweeps) {
        requirePrefixable(prefix);
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor us = ordered(mixer.inverse(u));
            long known = prefix.size(1);
            long n = us.size(1);
            long offset = offset(n);
            Tensor xs = withPrefix(prefix, us);
            long size = block > 0 ? block : n - known;
            int sweeps = 0;
            long stepped = 0;
            for (long start = known; start < n; start += size) {
                long end = Math.min(n, start + size);
                long settled = start;
                double previous = Double.POSITIVE_INFINITY;
                for (int k = 0; k < maxSweeps && settled < end; k++) {
                    Tensor features = features(xs.narrow(1, 0, end), offset).narrow(1, settled, end - settled);
                    Tensor next = coupling.inverse(us.narrow(1, settled, end - settled), features);
                    Tensor current = xs.narrow(1, settled, end - settled);
                    double[] change = perPosition(next.sub(current).abs());
                    current.copy_(next);
                    double largest = Arrays.stream(change).max().orElse(0);
                    double rate = Double.isInfinite(previous) ? Double.NaN : largest / previous;
                    settled += settling(change, tolerance, rate);
                    sweeps++;
                    if (largest >= previous) break;
                    previous = largest;
                }
                if (settled < end) {
                    step(xs, us, settled, end, offset);
                    stepped += end - settled;
                }
            }
            lastJacobi = new JacobiReport(sweeps, stepped);
            return ordered(xs);
        }
    }

    /**
     * Solves positions {@code [from, end)} of {@code xs} one by one from {@code us} (both in this layer's order) with
     * the backbone's cache, after it has read the known positions {@code xs[:, <from]}; the sequence is placed from
     * backbone position {@code offset} on.
     */
    private void step(Tensor xs, Tensor us, long from, long end, long offset) {
        try (Backbone.Stepper stepper =
                offset == 0 ? backbone.stepper(xs.size(0)) : backbone.stepper(xs.size(0), offset)) {
            for (long t = 0; t < from; t++) stepper.accept(xs.narrow(1, t, 1));
            for (long t = from; t < end; t++) {
                Tensor xt = coupling.inverse(us.narrow(1, t, 1), stepper.next());
                stepper.accept(xt);
                xs.narrow(1, t, 1).copy_(xt);
            }
        }
    }

    /** {@code prefix} followed by the rest of {@code us}: the starting iterate of the positions to solve. */
    private static Tensor withPrefix(Tensor prefix, Tensor us) {
        long known = prefix.size(1);
        return torch.cat(new TensorVector(prefix.to(us.scalar_type()), us.narrow(1, known, us.size(1) - known)), 1);
    }

    /** Sweeps and stepping of the last {@link #inverseJacobi}. */
    public JacobiReport lastJacobi() {
        return lastJacobi;
    }

    /**
     * @param sweeps  parallel updates made, over all blocks
     * @param stepped positions finished one by one with the cache where the iteration stopped contracting
     */
    public record JacobiReport(int sweeps, long stepped) {}

    /**
     * Positions that settle after a sweep with changes {@code change} (from the first unsettled position on): the first,
     * computed from final positions, is exact; each following one while every change up to it is within
     * {@code tolerance} and so is {@code ρ/(1 − ρ)} times the largest change before it, {@code ρ = rate} the measured
     * contraction (NaN when not known yet).
     */
    static int settling(double[] change, double tolerance, double rate) {
        if (!(rate < 1) || change[0] > tolerance) return 1;
        double factor = rate / (1 - rate);
        double before = change[0];
        int n = 1;
        while (n < change.length && change[n] <= tolerance && factor * before <= tolerance)
            before = Math.max(before, change[n++]);
        return n;
    }

    /** The largest entry per position of {@code [B, T, C]}, read on the host (one copy of T values). */
    private static double[] perPosition(Tensor x) {
        return Placement.hostDoubles(x.amax(new long[] {0, 2}, false));
    }

    private void requirePrefixable(Tensor prefix) {
        if (prefix.size(1) > 0 && !leftToRight)
            throw new IllegalArgumentException("a right-to-left layer cannot continue known leading positions");
    }

    /** The sequence in this layer's order (reversal is its own inverse). */
    Tensor ordered(Tensor x) {
        return leftToRight ? x : x.flip(1);
    }
}
