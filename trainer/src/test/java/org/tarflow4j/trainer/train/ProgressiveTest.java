package org.tarflow4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TrainConfig;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.checkpoint.Checkpoint;
import org.tarflow4j.trainer.model.Parameters;
import org.tarflow4j.trainer.model.TarFlowLM;
import org.tarflow4j.trainer.model.TinyModels;

/** Progressive layer-wise training: stage s trains layer s (stage 1 with the encoder), earlier layers frozen, later ones absent. */
class ProgressiveTest {
    private static TrainConfig train(String... overrides) {
        List<String> all = new ArrayList<>(List.of("train.progressive=true", "train.steps=9"));
        all.addAll(List.of(overrides));
        return ConfigLoader.parse(TinyModels.FLOW, "tiny.toml", all).train();
    }

    private static boolean trainable(Module m) {
        boolean any = false;
        for (Tensor p : Parameters.of(m)) any |= p.requires_grad();
        return any;
    }

    @Test
    void stagesMoveOnAtTheStepBudgetFreezingEarlierLayers() {
        TarFlowLM flow = (TarFlowLM) TinyModels.build(TinyModels.FLOW, 11).model();
        TrainConfig t = train();
        Trainer.State s = Trainer.State.fresh(t);
        List<Integer> stages = new ArrayList<>();
        Progressive p = new Progressive(flow, t, s, new TrainingListener() {
            @Override
            public void stage(int stage, long step) {
                stages.add(stage);
            }
        });
        assertEquals(1, flow.activeLayers());
        assertTrue(trainable(flow.encoder())
                && trainable(flow.layers().get(0))
                && !trainable(flow.layers().get(1)));
        for (s.step = 0; s.step < 9; s.step++) p.advanceIfDue(s);
        assertEquals(List.of(2, 3), stages, "9 steps over 3 layers: a stage every 3 steps");
        assertEquals(3, flow.activeLayers());
        assertTrue(
                !trainable(flow.encoder())
                        && !trainable(flow.layers().get(0))
                        && !trainable(flow.layers().get(1))
                        && trainable(flow.layers().get(2)),
                "only the last layer trains in the last stage");
        assertTrue(p.isFinalStage(s));
    }

    @Test
    void aValidationPlateauEndsAStageEarly() {
        TarFlowLM flow = (TarFlowLM) TinyModels.build(TinyModels.FLOW, 11).model();
        TrainConfig t = train("train.stage_steps=1000", "train.stage_patience=2");
        Trainer.State s = Trainer.State.fresh(t);
        Progressive p = new Progressive(flow, t, s, new TrainingListener() {});
        s.step = 5;
        p.advanceIfDue(s);
        assertEquals(1, s.stage);
        s.stalls = 2;
        p.advanceIfDue(s);
        assertEquals(2, s.stage);
        assertEquals(5, s.stageStart);
        assertEquals(0, s.stalls);
        assertEquals(Double.POSITIVE_INFINITY, s.bestValid, "each stage tracks its own best");
    }

    @Test
    void progressiveTrainingRunsThroughItsStagesEndToEnd(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("tiny.toml"), TrainerTest.TINY);
        List<String> events = new ArrayList<>();
        Tarflow.train(
                config,
                List.of("train.progressive=true"),
                dir.resolve("run"),
                null,
                TrainerTest.REGISTRY,
                new TrainingListener() {
                    @Override
                    public void stage(int stage, long step) {
                        events.add("stage " + stage + " at " + step);
                    }
                });
        assertEquals(List.of("stage 2 at 3"), events);
        assertEquals(2, Checkpoint.meta(dir.resolve("run/last.ckpt")).progress().stage());
    }

    @Test
    void progressiveTrainingNeedsAFlowModel() {
        TrainConfig t = train();
        String m = assertThrows(
                        TarflowException.class,
                        () -> new Progressive(
                                TinyModels.build(TinyModels.FLOW.replace("latent = 2", "latent = 2\nkind = \"ar\""), 11)
                                        .model(),
                                t,
                                Trainer.State.fresh(t),
                                new TrainingListener() {}))
                .getMessage();
        assertTrue(m.startsWith("train.progressive = true needs a flow model"), m);
    }
}
