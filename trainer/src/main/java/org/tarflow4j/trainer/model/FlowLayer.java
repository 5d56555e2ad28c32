package org.tarflow4j.trainer.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.InverseReport;
import org.tarflow4j.api.Transformed;

/**
 * One autoregressive flow layer: in its direction, position t is mapped by the coupling conditioned on the
 * backbone's features of the positions before it, {@code u_t = f(x_t; g(x_<t))}; then the channel mixer.
 * A right-to-left layer is a left-to-right layer on the sequence reversed.
 */
public final class FlowLayer extends Module {
    private final Backbone backbone;
    private final Coupling coupling;
    private final ChannelMixer mixer;
    private final boolean leftToRight;
    private boolean bf16;
    private InverseReport lastInverse = InverseReport.EXACT;

    FlowLayer(Backbone backbone, Coupling coupling, ChannelMixer mixer, boolean leftToRight) {
        this.backbone = backbone;
        this.coupling = coupling;
        this.mixer = mixer;
        this.leftToRight = leftToRight;
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

    /** {@code x [B, N, C] → (u, log|det| per position [B, N])}. */
    public Transformed forward(Tensor x) {
        Tensor xs = ordered(x);
        Transformed c = coupling.forward(xs, features(xs));
        Transformed m = mixer.forward(ordered(c.value()));
        return new Transformed(m.value(), ordered(c.logDet()).add(m.logDet()));
    }

    /** The features for every position of {@code x} in this layer's order. */
    Tensor features(Tensor xs) {
        return Precision.features(backbone, xs, bf16);
    }

    /**
     * {@code u → x}, position by position in this layer's order with the backbone's cache, so each step costs one
     * position. Without gradients.
     */
    public Tensor inverse(Tensor u) {
        try (NoGradGuard ignored = new NoGradGuard(); Backbone.Stepper stepper = backbone.stepper(u.size(0))) {
            Tensor us = ordered(mixer.inverse(u));
            TensorVector xs = new TensorVector();
            InverseReport report = InverseReport.EXACT;
            for (long t = 0; t < us.size(1); t++) {
                Tensor xt = coupling.inverse(us.narrow(1, t, 1), stepper.next());
                report = report.plus(coupling.lastInverse());
                stepper.accept(xt);
                xs.push_back(xt);
            }
            lastInverse = report;
            return ordered(torch.cat(xs, 1));
        }
    }

    /** Convergence of the coupling's root finding over the last {@link #inverse}. */
    public InverseReport lastInverse() {
        return lastInverse;
    }

    /** The sequence in this layer's order (reversal is its own inverse). */
    Tensor ordered(Tensor x) {
        return leftToRight ? x : x.flip(1);
    }
}
