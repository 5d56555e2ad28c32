package org.tarflow4j.experiments.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;

/** Sweep files, axes, grid expansion and run names: no training. */
class SweepPlanTest {
    static final String BASE = """
            [model]
            latent = 3
            context = 16
            [[flow]]
            coupling = "mog"
            [[flow]]
            coupling = "mog"
            direction = "r2l"
            [couplings.mog]
            mixtures = 4
            [couplings.rosenblatt]
            tie_to_encoder = true
            [backbones.transformer]
            depth = 1
            width = 16
            heads = 2
            [train]
            steps = 6
            batch = 4
            warmup = 2
            eval_every = 3
            eval_batches = 2
            checkpoint_every = 3
            log_every = 1
            [eval]
            batch = 8
            max_batches = 3
            """;

    static Path write(Path dir, String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void gridExpandsFirstAxisOutermostWithSafeUniqueNames(@TempDir Path dir) throws Exception {
        SweepSpec spec = SweepSpec.read(write(dir, "base.toml", BASE))
                .with(List.of("flow[*].coupling=affine,mog,rosenblatt", "model.patch=1,2"), List.of("train.steps=4"));
        assertEquals("base-flow.coupling-model.patch", spec.name());
        Plan plan = Plan.of(spec);
        assertEquals(
                List.of(
                        "coupling-affine_patch-1",
                        "coupling-affine_patch-2",
                        "coupling-mog_patch-1",
                        "coupling-mog_patch-2",
                        "coupling-rosenblatt_patch-1",
                        "coupling-rosenblatt_patch-2"),
                plan.runs().stream().map(PlannedRun::name).toList());
        PlannedRun run = plan.runs().get(3);
        assertEquals(Map.of("flow[*].coupling", "mog", "model.patch", "2"), run.values());
        assertEquals(List.of("train.steps=4", "flow[*].coupling=mog", "model.patch=2"), run.overrides());
        TarflowConfig config = ConfigLoader.parse(plan.baseText(run), "base", run.overrides());
        assertEquals(2, config.model().patch());
        assertTrue(config.flow().stream().allMatch(l -> l.coupling().name().equals("mog")));

        List<String> odd = Plan.of(SweepSpec.read(null)
                        .with(
                                List.of(
                                        "couplings.mog.mixtures=2,8",
                                        "couplings.affine.mixtures=1",
                                        "data.source=\"a/b\",\"a:b\",\"A-B\""),
                                List.of()))
                .runs()
                .stream()
                .map(PlannedRun::name)
                .toList();
        assertEquals(
                "couplings.mog.mixtures-2_couplings.affine.mixtures-1_source-a-b",
                odd.get(0),
                "clashing short names fall back to the whole key; unsafe characters become '-'");
        assertEquals(
                List.of(
                        "couplings.mog.mixtures-2_couplings.affine.mixtures-1_source-a-b-2",
                        "couplings.mog.mixtures-2_couplings.affine.mixtures-1_source-A-B-3"),
                odd.subList(1, 3),
                "names stay unique, also ignoring case");
        assertTrue(odd.stream().allMatch(n -> n.matches("[A-Za-z0-9.+_-]+")), odd.toString());
    }

    @Test
    void sweepFileWithZippedAxisSeedsBudgetAndLayers(@TempDir Path dir) throws Exception {
        write(dir, "base.toml", BASE);
        Path file = write(dir, "kinds.toml", """
                [sweep]
                base = "base.toml"
                steps = 5
                seeds = [1, 2]
                set = ["train.batch=2"]

                [[axis]]
                name = "coupling"
                labels = ["Mix-1", "AR"]
                [axis.zip]
                "model.kind" = ["flow", "ar"]
                "flow[*].coupling" = ["mog", "mog"]

                [[axis]]
                key = "flow.layers"
                values = [1, 3]
                """);
        SweepSpec spec = SweepSpec.read(file);
        assertEquals("kinds", spec.name());
        assertEquals(
                List.of("coupling", "flow.layers", "seed"),
                spec.axes().stream().map(Axis::name).toList());
        Plan plan = Plan.of(spec);
        assertEquals(8, plan.runs().size());
        PlannedRun last = plan.runs().get(7);
        assertEquals("coupling-AR_layers-3_seed-2", last.name());
        assertEquals(3, last.layers());
        assertEquals(
                List.of(
                        "train.steps=5",
                        "train.batch=2",
                        "flow[*].coupling=\"mog\"",
                        "model.kind=\"ar\"",
                        "train.seed=2"),
                last.overrides());
        TarflowConfig config = ConfigLoader.parse(plan.baseText(last), "base", last.overrides());
        assertEquals("ar", config.model().kind());
        assertEquals(5, config.train().steps());
        assertEquals(
                List.of("l2r", "r2l", "l2r"),
                config.flow().stream().map(l -> l.direction()).toList(),
                "copies of the last layer take the default, alternating direction of their position");
        assertEquals(
                1,
                ConfigLoader.parse(plan.baseText(plan.runs().get(0)), "base", List.of())
                        .flow()
                        .size());
    }

    /** Points that set different keys: tie_to_encoder goes into layer 0's strict table only where layer 0 is Mix-d. */
    @Test
    void pointAxisGivesEachPointItsOwnSettings(@TempDir Path dir) throws Exception {
        Path file = write(dir, "points.toml", """
                [sweep]
                steps = 5
                [[axis]]
                name = "coupling"
                [[axis.point]]
                label = "affine"
                set = ["flow[*].coupling=affine"]
                [[axis.point]]
                label = "Mix-d"
                set = ["flow[*].coupling=rosenblatt", "flow[0].coupling_options.tie_to_encoder=true"]
                [[axis.point]]
                label = "AR"
                set = ["model.kind=ar"]
                [base.model]
                latent = 3
                context = 16
                [[base.flow]]
                coupling = "mog"
                [[base.flow]]
                coupling = "mog"
                """);
        SweepSpec spec = SweepSpec.read(file);
        assertEquals(file + " [base]", spec.baseSource());
        assertEquals(
                List.of("flow[*].coupling", "flow[0].coupling_options.tie_to_encoder", "model.kind"),
                spec.axes().get(0).keys());
        Plan plan = Plan.of(spec);
        assertEquals(
                List.of("coupling-affine", "coupling-Mix-d", "coupling-AR"),
                plan.runs().stream().map(PlannedRun::name).toList());
        TarflowConfig mixd = ConfigLoader.parse(
                plan.baseText(plan.runs().get(1)), "base", plan.runs().get(1).overrides());
        assertEquals(
                Map.of("tie_to_encoder", true), mixd.flow().get(0).coupling().options());
        assertTrue(mixd.flow().get(1).coupling().options().isEmpty());
        TarflowConfig affine = ConfigLoader.parse(
                plan.baseText(plan.runs().get(0)), "base", plan.runs().get(0).overrides());
        assertTrue(affine.flow().get(0).coupling().options().isEmpty()
                && affine.flow().get(0).coupling().name().equals("affine"));
        assertEquals(5, affine.train().steps());
        String m = assertThrows(SweepException.class, () -> SweepSpec.read(write(dir, "bad.toml", """
                [[axis]]
                name = "x"
                [[axis.point]]
                label = "a"
                set = ["model.patch"]
                """)))
                .getMessage();
        assertTrue(m.contains("expected KEY=VALUE"), m);
    }

    /** A worker that dies of an uncaught exception has it named in the reason; an earlier attempt's is not. */
    @Test
    void uncaughtExceptionOfThisAttemptIsTheReason(@TempDir Path dir) throws Exception {
        Path log = write(
                dir, "train.log", "Exception in thread \"main\" java.lang.IllegalStateException: first attempt\n");
        long start = Files.size(log);
        assertEquals("", Sweep.uncaught(log, start));
        Files.writeString(
                log,
                "step 3: loss 2.1\nException in thread \"main\" java.lang.NoClassDefFoundError: a/B\n\tat x\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertEquals(" (java.lang.NoClassDefFoundError: a/B)", Sweep.uncaught(log, start));
    }

    @Test
    void malformedSweepsAreExplained(@TempDir Path dir) throws Exception {
        String m = assertThrows(SweepException.class, () -> SweepSpec.read(write(dir, "a.toml", """
                [sweep]
                steps = 5
                [[axis]]
                [axis.zip]
                "model.patch" = [1, 2]
                "model.latent" = [3]
                """)))
                .getMessage();
        assertTrue(m.contains("one value per point"), m);
        m = assertThrows(SweepException.class, () -> SweepSpec.read(write(dir, "b.toml", "[sweep]\nstep = 5\n")))
                .getMessage();
        assertTrue(m.contains("unknown key 'step' in [sweep]"), m);
        SweepSpec both = SweepSpec.read(null).with(List.of("model.patch=1,2"), List.of("model.patch=4"));
        m = assertThrows(SweepException.class, () -> Plan.of(both)).getMessage();
        assertTrue(m.contains("'model.patch=4' sets a key that the axis model.patch sweeps"), m);
        m = assertThrows(SweepException.class, () -> Axis.parse("flow.layers=2,0"))
                .getMessage();
        assertTrue(m.contains("not a number of flow layers"), m);
        m = assertThrows(SweepException.class, () -> Axis.parse("model.patch")).getMessage();
        assertTrue(m.contains("expected KEY=V1,V2"), m);
        assertEquals(
                List.of("[2, 2]", "[1,8]"),
                Axis.parse("backbones.transformer.depths=[2, 2],[1,8]").points().stream()
                        .map(Axis.Point::label)
                        .toList(),
                "commas inside brackets do not split values");
        assertFalse(Axis.parse("train.seed=1,2").points().isEmpty());
        assertTrue(Axis.parse("train.seed=1,2").isSeed());
    }

    /**
     * Runs asking for {@code cuda} that train side by side are placed round-robin on the visible GPUs, by their place
     * in the plan, and keep their GPU when resumed; a device named with its index is kept; without a GPU the sweep
     * stops before training, with the device's one-line reason.
     */
    @Test
    void parallelCudaRunsAreSpreadOverTheVisibleGpus(@TempDir Path dir) throws Exception {
        SweepSpec spec = SweepSpec.read(write(dir, "base.toml", BASE))
                .with(List.of("couplings.mog.mixtures=2,3,4"), List.of("train.device=cuda"));
        SweepListener quiet = new SweepListener() {};
        List<Sweep.Prepared> runs =
                new Sweep(spec, dir.resolve("out"), 2, SweepRunTest.REGISTRY, null, quiet, () -> 2).check();
        List<String> devices = runs.stream()
                .map(p -> ConfigLoader.parse(p.config(), "run", List.of())
                        .train()
                        .runtime()
                        .device())
                .toList();
        assertEquals(List.of("cuda:0", "cuda:1", "cuda:0"), devices);
        assertTrue(
                runs.get(1).resumeOverrides().contains("train.device=cuda:1"),
                runs.get(1).resumeOverrides().toString());

        List<Sweep.Prepared> one =
                new Sweep(spec, dir.resolve("one"), 1, SweepRunTest.REGISTRY, null, quiet, () -> 2).check();
        assertTrue(one.stream().allMatch(p -> p.config().contains("device = \"cuda\"")), "in this process: cuda");

        SweepSpec pinned = SweepSpec.read(write(dir, "base.toml", BASE))
                .with(List.of("couplings.mog.mixtures=2,3"), List.of("train.device=cuda:1"));
        assertTrue(new Sweep(pinned, dir.resolve("pinned"), 2, SweepRunTest.REGISTRY, null, quiet, () -> 2)
                .check().stream().allMatch(p -> p.config().contains("device = \"cuda:1\"")));

        String m = assertThrows(
                        SweepException.class,
                        () -> new Sweep(spec, dir.resolve("none"), 2, SweepRunTest.REGISTRY, null, quiet, () -> 0)
                                .check())
                .getMessage();
        assertTrue(
                m.contains(
                        "nothing was trained: train.device = \"cuda\", but this build of tarflow4j has the CPU natives"),
                m);
        assertEquals("cuda:1", Sweep.gpu(5, 2));
    }

    /**
     * A sweep started again with another {@code --parallel} resumes its runs: a run's config.toml, as a resumed
     * process writes it, holds the threads and device in the order its overrides came (at the end of the table here),
     * which is not a different run.
     */
    @Test
    void startedAgainWithOtherParallelismItResumesItsRuns(@TempDir Path dir) throws Exception {
        SweepSpec spec =
                SweepSpec.read(write(dir, "base.toml", BASE)).with(List.of("couplings.mog.mixtures=2,3"), List.of());
        Path out = dir.resolve("out");
        SweepListener quiet = new SweepListener() {};
        for (Sweep.Prepared p : new Sweep(spec, out, 2, SweepRunTest.REGISTRY, null, quiet, () -> 0).check()) {
            String written =
                    ConfigLoader.parse(p.config(), "run", p.resumeOverrides()).rawToml();
            Files.createDirectories(p.files().root());
            Files.writeString(p.files().config(), written);
        }
        String first = Files.readString(out.resolve("mixtures-2").resolve("config.toml"));
        assertTrue(first.indexOf("threads = 1") < first.indexOf("device = \"cpu\""), first);

        assertEquals(
                2,
                new Sweep(spec, out, 1, SweepRunTest.REGISTRY, null, quiet, () -> 0)
                        .check()
                        .size());
        assertEquals(
                2,
                new Sweep(spec, out, 2, SweepRunTest.REGISTRY, null, quiet, () -> 0)
                        .check()
                        .size());
        assertFalse(Sweep.sameRun(first, first.replace("mixtures = 2", "mixtures = 3")));
        assertTrue(Sweep.sameRun(first, first.replace("threads = 1", "threads = 4")));
    }
}
