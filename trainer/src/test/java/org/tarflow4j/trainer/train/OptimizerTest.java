package org.tarflow4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TrainConfig;

/** The optimizer is AdamW with the configured betas, learning rate and decoupled weight decay, step for step. */
class OptimizerTest {
    @Test
    void stepsMatchTheAdamWFormulaToRoundOff() {
        TrainConfig t = ConfigLoader.parse(
                        "[model]\nkind = \"ar\"\n",
                        "test",
                        List.of(
                                "train.lr=0.1",
                                "train.min_lr=0.1",
                                "train.beta1=0.8",
                                "train.beta2=0.95",
                                "train.weight_decay=0.5"))
                .train();
        double[] grads = {1.0, -3.0, 0.5, 2.0};
        try (PointerScope s = new PointerScope()) {
            Tensor p = torch.ones(1).requires_grad_(true);
            AdamW adamW = new AdamW(
                    new TensorVector(p), TrainingSetup.options(t, t.optimizer().weightDecay()));
            double x = 1, m = 0, v = 0;
            for (int i = 0; i < grads.length; i++) {
                adamW.zero_grad(true);
                p.mul(new org.bytedeco.pytorch.Scalar(grads[i])).sum().backward();
                adamW.step();
                int step = i + 1;
                x *= 1 - t.optimizer().lr() * t.optimizer().weightDecay();
                m = t.optimizer().beta1() * m + (1 - t.optimizer().beta1()) * grads[i];
                v = t.optimizer().beta2() * v + (1 - t.optimizer().beta2()) * grads[i] * grads[i];
                double mHat = m / (1 - Math.pow(t.optimizer().beta1(), step));
                double vHat = v / (1 - Math.pow(t.optimizer().beta2(), step));
                x -= t.optimizer().lr() * mHat / (Math.sqrt(vHat) + 1e-8);
                assertEquals(x, p.item_double(), 1e-6, "parameter after step " + step + " (float32 round-off)");
            }
        }
    }
}
