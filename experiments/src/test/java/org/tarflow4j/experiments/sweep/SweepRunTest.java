package org.tarflow4j.experiments.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.checkpoint.Checkpoint;
import org.tarflow4j.trainer.train.TrainingListener;

/** Sweeps of tiny runs on the embedded corpus: validation first, failures, interruption and restart, tables, plots. */
class SweepRunTest {
    static final PluginRegistry REGISTRY = PluginRegistry.host();

    /** Runs in this process; {@code sabotage} may throw from a run's steps. */
    static final class Recorder implements SweepListener {
        final List<String> trained = new ArrayList<>();
        final List<String> messages = new ArrayList<>();
        final Sabotage sabotage;

        Recorder(Sabotage sabotage) {
            this.sabotage = sabotage;
        }

        @Override
        public void message(String line) {
            messages.add(line);
        }

        @Override
        public TrainingListener training(PlannedRun run) {
            trained.add(run.name());
            return new TrainingListener() {
                @Override
                public void step(long step, double loss, double learningRate, double tokensPerSecond) {
                    sabotage.at(run.name(), step);
                }
            };
        }
    }

    /** The process being killed: an Error, which the sweep does not catch. */
    static final class Killed extends Error {
        private static final long serialVersionUID = 1L;
    }

    interface Sabotage {
        void at(String run, long step);
    }

    static SweepSpec spec(Path dir, String... grid) throws Exception {
        return SweepSpec.read(SweepPlanTest.write(dir, "base.toml", SweepPlanTest.BASE))
                .with(List.of(grid), List.of("train.threads=2"));
    }

    @Test
    void aBadLastCombinationStopsTheSweepBeforeAnythingTrains(@TempDir Path dir) throws Exception {
        Recorder recorder = new Recorder((run, step) -> {});
        // [couplings.mog] is only checked where a layer is Mix-1: affine with mixtures = 0 is valid, the last run is
        // not.
        Sweep sweep = new Sweep(
                spec(dir, "flow[*].coupling=affine,mog", "couplings.mog.mixtures=4,0"),
                dir.resolve("out"),
                1,
                REGISTRY,
                null,
                recorder);
        String m = assertThrows(SweepException.class, sweep::run).getMessage();
        assertTrue(
                m.startsWith(
                        "run 4 of 4, coupling-mog_mixtures-0 (flow[*].coupling=mog, couplings.mog.mixtures=0), is not valid;"
                                + " nothing was trained: "),
                m);
        assertTrue(m.contains("mixtures"), m);
        assertTrue(recorder.trained.isEmpty());
        assertFalse(Files.exists(dir.resolve("out")), "nothing is written before every combination is checked");
    }

    /**
     * Three runs. First start: run 2 fails (a TarflowException, as from diverging numerics), run 3 is killed after its
     * checkpoint at step 3. Second start: run 1 is skipped, run 2 fails again, run 3 resumes and finishes.
     */
    @Test
    void failuresAreRecordedInterruptedSweepsResumeAndReportsRebuild(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sweep");
        SweepSpec spec = spec(dir, "couplings.mog.mixtures=2,3,4");
        Sabotage diverge = (run, step) -> {
            if (run.endsWith("-3") && step == 2) throw new TarflowException("training diverged (simulated)");
        };
        Recorder first = new Recorder((run, step) -> {
            diverge.at(run, step);
            if (run.endsWith("-4") && step == 5) throw new Killed();
        });
        assertThrows(Killed.class, () -> new Sweep(spec, out, 1, REGISTRY, null, first).run());
        assertEquals(List.of("mixtures-2", "mixtures-3", "mixtures-4"), first.trained);
        assertTrue(Files.exists(out.resolve("mixtures-2/result.json")));
        assertEquals(
                "training diverged (simulated)",
                Files.readString(out.resolve("mixtures-3/failed.txt")).strip());
        assertEquals(
                3,
                Checkpoint.meta(out.resolve("mixtures-4/last.ckpt")).progress().step());
        assertFalse(Files.exists(out.resolve("mixtures-4/result.json")));

        Recorder second = new Recorder(diverge);
        SweepReport.Summary summary = new Sweep(spec, out, 1, REGISTRY, null, second).run();
        assertEquals(List.of("mixtures-3", "mixtures-4"), second.trained, "the finished run is skipped");
        assertTrue(
                second.messages.contains("[3/3] mixtures-4: resuming from its checkpoint (couplings.mog.mixtures=4)"),
                second.messages.toString());
        assertTrue(Files.readString(out.resolve("mixtures-4/metrics.jsonl")).contains("\"event\":\"resumed\""));
        assertEquals(3, summary.runs());
        assertEquals(2, summary.finished());
        assertEquals(1, summary.failed());

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(
                "run,couplings.mog.mixtures,status,parameters,steps,train_seconds,tokens_per_s,valid_best_bpc,valid_bpc,test_bpc,reason",
                csv.get(0));
        assertEquals(4, csv.size());
        assertTrue(csv.get(1).startsWith("mixtures-2,2,finished,"), csv.get(1));
        assertTrue(
                csv.get(2).startsWith("mixtures-3,3,failed,") && csv.get(2).endsWith(",training diverged (simulated)"),
                csv.get(2));
        String[] resumed = csv.get(3).split(",");
        assertEquals("6", resumed[4], "the resumed run trained to its budget");
        double best = Double.parseDouble(resumed[7]),
                valid = Double.parseDouble(resumed[8]),
                test = Double.parseDouble(resumed[9]);
        assertTrue(best <= valid && valid > 0 && test > 0 && test < 20, csv.get(3));
        String md = Files.readString(out.resolve("results.md"));
        assertTrue(
                md.contains(
                        "| run | couplings.mog.mixtures | parameters | steps | train time | tokens/s | best valid BPC | valid BPC | test BPC | status |"),
                md);
        assertTrue(md.contains("| mixtures-3 | 3 |") && md.contains("| failed: training diverged (simulated) |"), md);

        assertEquals(
                List.of("learning-curves.png", "test-bpc-vs-couplings.mog.mixtures.png"),
                summary.plots().stream().map(p -> p.getFileName().toString()).toList());
        for (Path png : summary.plots()) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertTrue(
                    image != null && image.getWidth() >= 800 && image.getHeight() >= 500,
                    png + " decodes as a chart-sized image");
        }

        // TensorBoard: one experiment at the root; per run its session start, the trainer's events (one file per
        // attempt) and its end. The retried run started afresh (no checkpoint), the killed one resumed.
        assertEquals(
                List.of("experiment couplings.mog.mixtures=[2.0, 3.0, 4.0]; metrics final/test_bpc,final/valid_bpc,"
                        + "valid/bpc,train/bpc"),
                BoardFiles.describe(out));
        assertEquals(
                List.of("start couplings.mog.mixtures=2.0", "training", "end STATUS_SUCCESS"),
                BoardFiles.describe(out.resolve("mixtures-2/tb")));
        assertEquals(
                List.of("start couplings.mog.mixtures=3.0", "training", "end STATUS_FAILURE"),
                BoardFiles.describe(out.resolve("mixtures-3/tb")));
        assertEquals(
                List.of("start couplings.mog.mixtures=4.0", "training", "training", "end STATUS_SUCCESS"),
                BoardFiles.describe(out.resolve("mixtures-4/tb")));

        String before = Files.readString(out.resolve("results.csv"));
        Files.delete(out.resolve("results.csv"));
        Files.delete(out.resolve("results.md"));
        for (Path png : summary.plots()) Files.delete(png);
        SweepReport.Summary rebuilt = SweepReport.write(out);
        assertEquals(before, Files.readString(out.resolve("results.csv")));
        assertEquals(md, Files.readString(out.resolve("results.md")));
        assertTrue(rebuilt.plots().stream().allMatch(Files::exists));

        SweepSpec changed = SweepSpec.read(dir.resolve("base.toml"))
                .with(List.of("couplings.mog.mixtures=2,3,4"), List.of("train.steps=7"));
        String m = assertThrows(
                        SweepException.class,
                        () -> new Sweep(changed, out, 1, REGISTRY, null, new Recorder(diverge)).run())
                .getMessage();
        assertTrue(
                m.startsWith(out.resolve("mixtures-2")
                        + " holds a run whose config differs from the one this sweep gives it"),
                m);
    }

    @Test
    void runsInParallelProcessesWithTheCoresSplit(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sweep");
        SweepSpec spec = SweepSpec.read(SweepPlanTest.write(dir, "base.toml", SweepPlanTest.BASE))
                .with(List.of("couplings.mog.mixtures=2,0", "train.steps=3"), List.of());
        Recorder recorder = new Recorder((run, step) -> {});
        assertThrows(SweepException.class, () -> new Sweep(spec, out, 2, REGISTRY, null, recorder).run());
        SweepSpec good = SweepSpec.read(SweepPlanTest.write(dir, "base.toml", SweepPlanTest.BASE))
                .with(List.of("couplings.mog.mixtures=2,3"), List.of("train.steps=3"));
        SweepReport.Summary summary = new Sweep(good, out, 2, REGISTRY, null, recorder).run();
        assertEquals(2, summary.finished(), recorder.messages.toString());
        assertTrue(recorder.trained.isEmpty(), "nothing trained in this process");
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        for (String run : List.of("mixtures-2", "mixtures-3")) {
            assertTrue(Files.readString(out.resolve(run + "/config.toml")).contains("threads = " + threads), run);
            assertTrue(Files.readString(out.resolve(run + "/train.log")).contains("training"), run);
        }
    }
}
