package org.tarflow4j.trainer.train;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.trainer.TarflowException;
import org.tarflow4j.trainer.config.TrainConfig;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.TarFlowLM;

/**
 * Progressive layer-wise training (paper §3): stage s trains layer s, stage 1 together with the encoder; earlier
 * layers are frozen and later ones absent. A stage ends after {@code stage_steps} steps, or earlier after
 * {@code stage_patience} validations without improvement; the last stage runs to the end of the budget.
 */
final class Progressive {
    private final TarFlowLM flow;
    private final int stageSteps;
    private final int patience;
    private final TrainingListener listener;

    Progressive(LanguageModel model, TrainConfig t, Trainer.State s, TrainingListener listener) {
        this.listener = listener;
        this.patience = t.stagePatience();
        if (!t.progressive()) {
            flow = null;
            stageSteps = 0;
            return;
        }
        if (!(model instanceof TarFlowLM f))
            throw new TarflowException(
                    "train.progressive = true needs a flow model (model.kind = \"flow\"); the ar baseline has no layers to stage");
        flow = f;
        stageSteps = t.stageSteps() > 0
                ? t.stageSteps()
                : Math.max(1, t.steps() / f.layers().size());
        apply(s.stage);
    }

    void advanceIfDue(Trainer.State s) {
        if (flow == null || s.stage >= flow.layers().size()) return;
        boolean budget = s.step - s.stageStart >= stageSteps;
        boolean plateau = patience > 0 && s.stalls >= patience;
        if (!budget && !plateau) return;
        s.stage++;
        s.stageStart = s.step;
        s.bestValid = Double.POSITIVE_INFINITY;
        s.stalls = 0;
        apply(s.stage);
        listener.stage(s.stage, s.step);
    }

    boolean isFinalStage(Trainer.State s) {
        return flow == null || s.stage == flow.layers().size();
    }

    private void apply(int stage) {
        flow.activeLayers(stage);
        trainable(flow.encoder(), stage == 1);
        for (int i = 0; i < flow.layers().size(); i++) trainable(flow.layers().get(i), i == stage - 1);
    }

    private static void trainable(Module m, boolean on) {
        for (Tensor p : m.parameters().get()) p.set_requires_grad(on);
    }
}
