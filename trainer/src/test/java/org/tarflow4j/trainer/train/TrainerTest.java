package org.tarflow4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.Metric;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.assembly.ModelAssembly;
import org.tarflow4j.trainer.checkpoint.Checkpoint;
import org.tarflow4j.trainer.model.TinyModels;

/** Training end to end on the embedded corpus with a tiny model: metrics, checkpoints, exact resume. */
class TrainerTest {
    static final PluginRegistry REGISTRY = PluginRegistry.host();
    static final String TINY = TinyModels.STACK + """
            [train]
            steps = 6
            batch = 4
            warmup = 2
            eval_every = 3
            eval_batches = 2
            checkpoint_every = 3
            log_every = 1
            threads = 2
            [eval]
            batch = 8
            max_batches = 3
            """;

    static Path config(Path dir, String text) throws Exception {
        Path file = dir.resolve("tiny.toml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void trainsWritesMetricsCheckpointsAndResult(@TempDir Path dir) throws Exception {
        Trainer.Outcome o = Tarflow.train(
                config(dir, TINY), List.of(), dir.resolve("run"), null, REGISTRY, new TrainingListener() {});
        assertEquals(6, o.steps());
        assertEquals(Metric.BPC, o.metric());
        assertTrue(
                Double.isFinite(o.valid().natsPerToken())
                        && Double.isFinite(o.test().natsPerToken()),
                o.toString());
        for (String f : List.of("config.toml", "metrics.jsonl", "last.ckpt", "best.ckpt", "result.json"))
            assertTrue(Files.exists(dir.resolve("run").resolve(f)), f);
        long trainLines = Files.readAllLines(dir.resolve("run/metrics.jsonl")).stream()
                .filter(l -> l.contains("\"split\":\"train\""))
                .count();
        assertEquals(6, trainLines);
        Checkpoint.Meta meta = Checkpoint.meta(dir.resolve("run/last.ckpt"));
        assertEquals(6, meta.progress().step());
        assertEquals("text8", meta.provenance().tokenizer());
        assertTrue(meta.provenance().components().stream()
                .anyMatch(c -> c.name().equals("rosenblatt") && c.owner().equals("flow[0]")));
        assertEquals("europarl", meta.provenance().data().get("kind"), "the corpus manifest is in the checkpoint");

        RunInfo info = Tarflow.info(dir.resolve("run"), REGISTRY);
        assertTrue(info.loadable(), info.components().toString());
        assertEquals("checkpoint", info.dataFrom());
        assertEquals(6L, info.lastTrain().get("step"));
        assertEquals(6L, info.lastValid().get("step"));
        assertEquals(o.test().natsPerToken(), (Double)
                ((java.util.Map<?, ?>) info.result().get("test")).get("nats_per_token"));
        assertTrue(((String) info.toJson().get("config")).contains("coupling = \"rosenblatt\""));

        String m = assertThrows(
                        TarflowException.class,
                        () -> Tarflow.load(dir.resolve("run"), List.of("flow[1].coupling=Mix-d"), REGISTRY))
                .getMessage();
        String architecture =
                "--set cannot change the architecture of the trained model in " + dir.resolve("run/last.ckpt");
        assertTrue(m.startsWith(architecture) && m.contains("flow[1].coupling"), m);
        m = assertThrows(
                        TarflowException.class,
                        () -> Tarflow.load(dir.resolve("run"), List.of("couplings.mog.mixtures=2"), REGISTRY))
                .getMessage();
        assertTrue(m.startsWith(architecture) && m.contains("couplings.mog.mixtures"), m);
    }

    /** N steps, a crash, a resume: the same parameters as an uninterrupted run, to 1e-9. */
    @Test
    void resumeAfterACrashMatchesAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Path file = config(dir, TINY);
        Tarflow.train(file, List.of(), dir.resolve("whole"), null, REGISTRY, new TrainingListener() {});
        assertThrows(
                IllegalStateException.class,
                () -> Tarflow.train(file, List.of(), dir.resolve("broken"), null, REGISTRY, new TrainingListener() {
                    @Override
                    public void step(long step, double loss, double learningRate, double tokensPerSecond) {
                        if (step == 5) throw new IllegalStateException("simulated crash after step 5");
                    }
                }));
        assertEquals(
                3,
                Checkpoint.meta(dir.resolve("broken/last.ckpt")).progress().step(),
                "the last checkpoint before the crash");
        double before =
                Checkpoint.meta(dir.resolve("broken/last.ckpt")).progress().seconds();
        assertTrue(before > 0, "training time is recorded");
        Trainer.Outcome resumed = Tarflow.resume(dir.resolve("broken"), List.of(), REGISTRY, new TrainingListener() {});
        assertEquals(6, resumed.steps());
        assertTrue(resumed.seconds() > before, "the time budget counts every session of the run");
        assertEquals(
                0.0, maxParameterDifference(dir.resolve("whole/last.ckpt"), dir.resolve("broken/last.ckpt")), 1e-9);
    }

    static double maxParameterDifference(Path a, Path b) {
        try (PointerScope s = new PointerScope()) {
            StringTensorDict pa = tensors(a);
            StringTensorDict pb = tensors(b);
            double max = 0;
            assertEquals(pa.size(), pb.size());
            for (long i = 0; i < pa.size(); i++) {
                String key = pa.get(i).key().getString();
                max = Math.max(
                        max, pa.get(i).value().sub(pb.get(key)).abs().max().item_double());
            }
            return max;
        }
    }

    private static StringTensorDict tensors(Path file) {
        InputArchive root = new InputArchive();
        root.load_from(file.toString());
        InputArchive model = new InputArchive();
        root.read("model", model);
        StringTensorDict out = new StringTensorDict();
        collect(model, "", out);
        return out;
    }

    /** A module archive holds its own tensors and one nested archive per child module. */
    private static void collect(InputArchive archive, String prefix, StringTensorDict out) {
        for (org.bytedeco.javacpp.BytePointer k : archive.keys().get()) {
            String key = k.getString();
            org.bytedeco.pytorch.Tensor t = new org.bytedeco.pytorch.Tensor();
            InputArchive child = new InputArchive();
            if (archive.try_read(key, t)) out.insert(prefix + key, t);
            else if (archive.try_read(key, child)) collect(child, prefix + key + ".", out);
        }
    }

    /**
     * bf16 backbones train to finite losses, and the final bounds are computed in float32: the run's validation bound
     * is the one {@code tarflow eval} computes from its last checkpoint (same batches and noise), to 1e-12 nats per
     * token (under bf16 autocast they differed by 8e-6 on this tiny model).
     */
    @Test
    void bf16BackbonesTrainToFiniteLossesAndFinalBoundsAreFloat32(@TempDir Path dir) throws Exception {
        List<Double> losses = new java.util.ArrayList<>();
        Trainer.Outcome o = Tarflow.train(
                config(dir, TINY),
                List.of("train.bf16=true", "train.steps=3"),
                dir.resolve("run"),
                null,
                REGISTRY,
                new TrainingListener() {
                    @Override
                    public void step(long step, double loss, double learningRate, double tokensPerSecond) {
                        losses.add(loss);
                    }
                });
        assertEquals(3, losses.size());
        assertTrue(losses.stream().allMatch(Double::isFinite), losses.toString());
        for (Evaluator.Evaluation final_ : List.of(o.valid(), o.test())) {
            double evaluated = Tarflow.evaluate(dir.resolve("run"), final_.split(), 0, List.of(), REGISTRY)
                    .evaluation()
                    .natsPerToken();
            assertEquals(evaluated, final_.natsPerToken(), 1e-12, final_.split() + ": training's final bound vs eval");
        }
    }

    @Test
    void cudaWithoutCudaIsAClearErrorNotAFallBack(@TempDir Path dir) throws Exception {
        String m = assertThrows(
                        TarflowException.class,
                        () -> Tarflow.train(
                                config(dir, TINY),
                                List.of("train.device=cuda:0"),
                                dir.resolve("run"),
                                null,
                                REGISTRY,
                                new TrainingListener() {}))
                .getMessage();
        assertTrue(
                m.startsWith("train.device = \"cuda:0\", but this build of tarflow4j has the CPU natives of libtorch"),
                m);
    }

    @Test
    void checkpointErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path truncated = dir.resolve("truncated.ckpt");
        Files.write(truncated, new byte[] {'P', 'K', 3, 4, 0, 0});
        String m = assertThrows(TarflowException.class, () -> Checkpoint.meta(truncated))
                .getMessage();
        assertTrue(m.startsWith(truncated + " is not a readable checkpoint"), m);
        Path foreign = dir.resolve("foreign.ckpt");
        org.bytedeco.pytorch.OutputArchive a = new org.bytedeco.pytorch.OutputArchive();
        a.write("weights", torch.ones(2));
        a.save_to(foreign.toString());
        m = assertThrows(TarflowException.class, () -> Checkpoint.meta(foreign)).getMessage();
        assertTrue(m.startsWith(foreign + " is not a tarflow4j checkpoint"), m);
    }

    @Test
    void missingOrIncompatiblePluginIsNamed(@TempDir Path dir) {
        Path file = dir.resolve("x.ckpt");
        var ghost = new Checkpoint.Meta(
                new Checkpoint.Progress(1, 0, 0, 0, 0, 0),
                new Checkpoint.Provenance(
                        "",
                        List.of(new ModelAssembly.ComponentUse(ComponentKind.COUPLING, "ghost", "1.0.0", "flow[1]")),
                        "text8",
                        27,
                        0,
                        "",
                        null));
        String m = assertThrows(TarflowException.class, () -> Checkpoint.checkComponents(file, ghost, REGISTRY))
                .getMessage();
        assertTrue(
                m.startsWith(
                        "checkpoint " + file
                                + " needs the coupling 'ghost' 1.0.0 (for flow[1]), which is not available: no coupling named 'ghost'"),
                m);
        var future = new Checkpoint.Meta(
                new Checkpoint.Progress(1, 0, 0, 0, 0, 0),
                new Checkpoint.Provenance(
                        "",
                        List.of(new ModelAssembly.ComponentUse(ComponentKind.COUPLING, "mog", "3.1.0", "flow[1]")),
                        "text8",
                        27,
                        0,
                        "",
                        null));
        m = assertThrows(TarflowException.class, () -> Checkpoint.checkComponents(file, future, REGISTRY))
                .getMessage();
        assertEquals(
                "checkpoint " + file
                        + " was written with the coupling 'mog' 3.1.0, but 2.0.0 is installed (built-in), which is not"
                        + " compatible; install a mog plugin of version ^3.1.0",
                m);
        var beforeTheChannelHead = new Checkpoint.Meta(
                new Checkpoint.Progress(1, 0, 0, 0, 0, 0),
                new Checkpoint.Provenance(
                        "",
                        List.of(new ModelAssembly.ComponentUse(ComponentKind.COUPLING, "mog", "1.1.0", "flow[1]")),
                        "text8",
                        27,
                        0,
                        "",
                        null));
        m = assertThrows(TarflowException.class, () -> Checkpoint.checkComponents(file, beforeTheChannelHead, REGISTRY))
                .getMessage();
        assertTrue(
                m.contains("was written with the coupling 'mog' 1.1.0, but 2.0.0 is installed"),
                "mog 2 changed a default (channel_autoregressive): a 1.x checkpoint would build another model: " + m);
    }
}
