package org.tarflow4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.trainer.Tarflow;

/**
 * On a small trained model, the importance-weighted bound with K latent samples is at least as tight as the ELBO and
 * tightens as K grows (each estimate over the same 240 validation sequences).
 */
class ImportanceWeightedBoundTest {
    @Test
    void boundTightensWithSamples(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("tiny.toml"), TrainerTest.TINY.replace("steps = 6", "steps = 40"));
        Tarflow.train(config, List.of(), dir.resolve("run"), null, TrainerTest.REGISTRY, new TrainingListener() {});
        double[] nats = new double[3];
        int[] samples = {1, 8, 64};
        for (int i = 0; i < samples.length; i++) {
            String json = Tarflow.evaluate(
                            dir.resolve("run"),
                            "valid",
                            samples[i],
                            List.of("eval.max_batches=30"),
                            TrainerTest.REGISTRY)
                    .report();
            nats[i] = JsonParser.parseString(json)
                    .getAsJsonObject()
                    .get("nats_per_token")
                    .getAsDouble();
            assertTrue(Files.exists(dir.resolve("run/eval-valid-k" + samples[i] + ".json")));
        }
        System.out.printf(
                "negative bound, nats/token: ELBO %.5f, IW K=8 %.5f, IW K=64 %.5f%n", nats[0], nats[1], nats[2]);
        assertTrue(nats[1] < nats[0], "IW K=8 " + nats[1] + " is tighter than the ELBO " + nats[0]);
        assertTrue(nats[2] < nats[1], "IW K=64 " + nats[2] + " is tighter than K=8 " + nats[1]);
    }
}
