package org.tarflow4j.trainer.train;

import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.TrainConfig;
import org.tarflow4j.trainer.model.LanguageModel;

/**
 * Progressive layer-wise training (paper §3): stage s trains layer s, stage 1 together with the encoder; earlier
 * layers are frozen and later ones absent. A stage ends after {@code stage_steps} steps, or earlier after
 * {@code stage_patience} validations without improvement; the last stage runs to the end of the budget.
 */
final class Progressive {
    private final LanguageModel model;
    private final int stages;
    private final int stageSteps;
    private final int patience;
    private final TrainingListener listener;

    Progressive(LanguageModel model, TrainConfig t, Trainer.State s, TrainingListener listener) {
        this.model = model;
        this.listener = listener;
        this.patience = t.progressive().patience();
        if (!t.progressive().enabled()) {
            stages = 0;
            stageSteps = 0;
            return;
        }
        if (model.stages() == 0)
            throw new TarflowException(
                    "train.progressive = true needs a flow model (model.kind = \"flow\"); the ar baseline has no layers to stage");
        stages = model.stages();
        stageSteps = t.progressive().stageSteps() > 0 ? t.progressive().stageSteps() : Math.max(1, t.steps() / stages);
        model.stage(s.stage);
    }

    void advanceIfDue(Trainer.State s) {
        if (stages == 0 || s.stage >= stages) return;
        boolean budget = s.step - s.stageStart >= stageSteps;
        boolean plateau = patience > 0 && s.stalls >= patience;
        if (!budget && !plateau) return;
        s.stage++;
        s.stageStart = s.step;
        s.bestValid = Double.POSITIVE_INFINITY;
        s.stalls = 0;
        model.stage(s.stage);
        listener.stage(s.stage, s.step);
    }

    boolean isFinalStage(Trainer.State s) {
        return stages == 0 || s.stage == stages;
    }
}
