package org.tarflow4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.testkit.PluginJars;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.checkpoint.Checkpoint;

/**
 * A coupling that turns non-finite after a number of calls: every such step is skipped and reported, and after
 * {@code max_bad_steps} in a row the run ends with the last good checkpoint intact.
 */
class NonFiniteStepTest {
    private static final String POISON = """
            package com.example.poison;
            import java.util.concurrent.atomic.AtomicInteger;
            import org.bytedeco.pytorch.*;
            import org.tarflow4j.api.*;
            public final class PoisonProvider implements CouplingProvider {
                public String name() { return "poison"; }
                public String version() { return "1.0.0"; }
                public String requires() { return "^1.0"; }
                public String description() { return "identity until its forward has run 'after' times, NaN log-det then"; }
                public Coupling create(Options options, CouplingContext context) { return new Poison(options.getInt("after", 0)); }
            }
            final class Poison extends org.bytedeco.pytorch.Module implements Coupling {
                private final AtomicInteger calls = new AtomicInteger();
                private final int after;
                Poison(int after) { this.after = after; }
                public Transformed forward(Tensor x, Tensor features) {
                    double logDet = calls.incrementAndGet() > after ? Double.NaN : 0.0;
                    return new Transformed(x, x.select(2, 0).mul(new Scalar(0.0)).add(new Scalar(logDet)));
                }
                public Tensor inverse(Tensor u, Tensor features) { return u; }
            }
            """;

    @Test
    void nonFiniteStepsAreSkippedThenTheRunEndsWithTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Path jar = PluginJars.build(
                dir,
                "poison",
                Map.of(
                        "module-info.java",
                        "module com.example.poison { requires org.tarflow4j.api;"
                                + " provides org.tarflow4j.api.CouplingProvider with com.example.poison.PoisonProvider; }",
                        "com/example/poison/PoisonProvider.java",
                        POISON));
        Files.move(jar, plugins.resolve("poison.jar"));
        Path config = Files.writeString(dir.resolve("poison.toml"), """
                [model]
                latent = 2
                context = 8
                [[flow]]
                coupling = "poison"
                [flow.coupling_options]
                after = 4
                [backbones.transformer]
                depth = 1
                width = 8
                heads = 1
                [train]
                steps = 20
                batch = 2
                eval_every = 0
                checkpoint_every = 2
                max_bad_steps = 3
                """);
        List<String> warnings = new ArrayList<>();
        TarflowException e = assertThrows(
                TarflowException.class,
                () -> Tarflow.train(
                        config,
                        List.of(),
                        dir.resolve("run"),
                        null,
                        PluginRegistry.load(plugins),
                        new TrainingListener() {
                            @Override
                            public void warning(String message) {
                                warnings.add(message);
                            }
                        }));
        assertEquals(
                "training diverged: 3 steps in a row had a non-finite loss or gradient (last at step 7); the last good"
                        + " checkpoint is " + dir.resolve("run/last.ckpt") + " (step 4); lower train.lr (now 0.001),"
                        + " raise train.warmup or set train.clip and continue from it with: tarflow train --resume "
                        + dir.resolve("run") + " --plugins " + plugins + " --set train.lr=1.0E-4",
                e.getMessage());
        assertEquals(
                List.of(
                        "step 5: non-finite loss or gradient, step skipped (1 of at most 3 in a row)",
                        "step 6: non-finite loss or gradient, step skipped (2 of at most 3 in a row)"),
                warnings);
        assertEquals(
                4,
                Checkpoint.meta(dir.resolve("run/last.ckpt")).progress().step(),
                "the last checkpoint is the last good step's");

        // Issue 14, case 5: before the first checkpoint, the message names none
        e = assertThrows(
                TarflowException.class,
                () -> Tarflow.train(
                        config,
                        List.of("flow[0].coupling_options.after=0"),
                        dir.resolve("early"),
                        null,
                        PluginRegistry.load(plugins),
                        new TrainingListener() {}));
        assertEquals(
                "training diverged: 3 steps in a row had a non-finite loss or gradient (last at step 3); no checkpoint"
                        + " was written yet (the first was due at step 2); lower train.lr (now 0.001), raise"
                        + " train.warmup or set train.clip and train again (--overwrite replaces this run directory)",
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("early/last.ckpt")));
    }
}
