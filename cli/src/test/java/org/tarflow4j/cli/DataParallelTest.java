package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.checkpoint.Checkpoint;
import org.tarflow4j.trainer.distributed.GradientReducer;
import org.tarflow4j.trainer.distributed.World;

/**
 * Data-parallel training end to end through the command line, on CPUs over Gloo and loopback, two processes, a tiny
 * model, one libtorch thread per process (results are exact only between runs of the same thread count), trained
 * progressively so that the gradient reducer is rebuilt when the second layer starts training at step 2.
 *
 * <p>What is equal to what, and why: the gradient is averaged in the parameters' dtypes (float64 for the encoder and
 * the coupling heads' density math, float32 for the transformer backbones). Two ranks with per-rank batch b run, per
 * rank, exactly the computation one process runs per micro-batch with batch b and {@code accumulate = 2} (the same
 * rows, the same noise, the same shapes), and a sum of two gradients halved is the same number either way: the
 * parameters are equal to the bit. One process with batch 2b computes each row inside a batch twice as large, where
 * float32 matrix products add in another order: equal to 1e-6 (measured: 2.6e-7 after 4 steps), except for one
 * parameter that only rounding moves. The attention's key bias (the middle third of {@code attention.qkv.bias}) has a
 * gradient of exactly zero in exact arithmetic (a softmax does not change when the same {@code q·b_k} is added to all
 * of a query's scores); in float32 it gets rounding noise of about 1e-10, which Adam divides by its own size, so it
 * drifts by up to about the learning rate in any run (2.8e-5 here) and is compared for finiteness only.
 */
class DataParallelTest {
    static final String TINY = """
            [model]
            latent = 3
            context = 16
            [[flow]]
            coupling = "rosenblatt"
            [flow.coupling_options]
            tie_to_encoder = true
            [[flow]]
            coupling = "mog"
            [couplings.mog]
            mixtures = 4
            [backbones.transformer]
            depth = 1
            width = 16
            heads = 2
            [train]
            steps = 4
            batch = 2
            lr = 3e-3
            min_lr = 3e-3
            warmup = 2
            eval_every = 2
            eval_batches = 2
            checkpoint_every = 2
            log_every = 1
            progressive = true
            stage_steps = 2
            threads = 1
            collective_timeout = 30
            rendezvous_timeout = 120
            [eval]
            batch = 4
            max_batches = 3
            """;

    @TempDir
    static Path dir;

    static Path config;
    static Path twoRanks;

    /** Two ranks with batch 2 through {@code --nproc-per-node 2}, the run the others are compared with. */
    @BeforeAll
    static void trainOnTwoRanks() throws Exception {
        config = Files.writeString(dir.resolve("tiny.toml"), TINY);
        twoRanks = dir.resolve("two-ranks");
        MainTest.Run r =
                MainTest.tarflow("train", config.toString(), "--nproc-per-node", "2", "--run-dir", twoRanks.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("run directory: " + twoRanks), "rank 0 prints what one process prints\n" + r.out());
        assertTrue(
                Files.readString(twoRanks.resolve("rank-1.log")).contains("step 4: loss"),
                "rank 1 logs to its own file");
    }

    @Test
    void twoRanksTrainWhatOneProcessTrainsWithTheSameGlobalBatch() throws Exception {
        Path accumulated = train("accumulate", "train.accumulate=2");
        assertEquals(0.0, maxDifference(twoRanks, accumulated), "2 ranks × batch 2 = 1 process × batch 2 × 2 micro");
        assertEquals(bound(twoRanks, "valid"), bound(accumulated, "valid"), "validation BPC, split over ranks: exact");
        assertEquals(bound(twoRanks, "test"), bound(accumulated, "test"));

        Path doubled = train("doubled", "train.batch=4");
        double gap = maxDifference(twoRanks, doubled, true);
        assertTrue(gap > 0 && gap <= 1e-6, "2 ranks × batch 2 ≈ 1 process × batch 4 (float32 backbones): " + gap);
        assertEquals(bound(twoRanks, "valid"), bound(doubled, "valid"), 1e-6);
    }

    @Test
    void everyRankHoldsTheSameParametersAtEveryCheckpoint() throws Exception {
        List<String> checks = events(twoRanks, "parameters_identical");
        assertEquals(
                List.of(2L, 4L), checks.stream().map(DataParallelTest::step).toList());
        String last = null;
        for (String e : checks) {
            Matcher m =
                    Pattern.compile("\"digests\":\"\\[(-?\\d+), (-?\\d+)]\"").matcher(e);
            assertTrue(m.find(), e);
            assertEquals(m.group(1), m.group(2), "rank 1's parameters are rank 0's: " + e);
            last = m.group(1);
        }
        assertEquals(last, Long.toString(digest(twoRanks)), "and they are the parameters of last.ckpt");
    }

    @Test
    void anOutsideLauncherStartsTheSameRunFromTorchrunsVariables() throws Exception {
        Path run = dir.resolve("environment");
        int port = freePort();
        List<Process> ranks = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            ProcessBuilder b =
                    new ProcessBuilder(javaCommand(List.of("train", config.toString(), "--run-dir", run.toString())));
            b.environment()
                    .putAll(Map.of(
                            "RANK",
                            "" + rank,
                            "WORLD_SIZE",
                            "2",
                            "MASTER_ADDR",
                            "127.0.0.1",
                            "MASTER_PORT",
                            "" + port));
            b.redirectErrorStream(true)
                    .redirectOutput(dir.resolve("environment-" + rank + ".out").toFile());
            ranks.add(b.start());
        }
        for (Process p : ranks) assertTrue(p.waitFor(300, TimeUnit.SECONDS), "rank ended");
        for (int rank = 0; rank < 2; rank++)
            assertEquals(0, ranks.get(rank).exitValue(), Files.readString(dir.resolve("environment-" + rank + ".out")));
        assertEquals(0.0, maxDifference(twoRanks, run), "RANK/WORLD_SIZE/MASTER_* = --nproc-per-node 2");
        assertEquals(bound(twoRanks, "valid"), bound(run, "valid"));
    }

    @Test
    void aKilledRankStopsTheRunAndItResumesOnOneOrTwoProcesses() throws Exception {
        Path killed = dir.resolve("killed");
        CompletableFuture<MainTest.Run> launched = CompletableFuture.supplyAsync(
                () -> MainTest.tarflow(
                        "train",
                        config.toString(),
                        "--nproc-per-node",
                        "2",
                        "--run-dir",
                        killed.toString(),
                        "--set",
                        "train.steps=100000"),
                r -> new Thread(r).start());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (events(killed, "parameters_identical").stream().noneMatch(e -> step(e) >= 4)) {
            assertTrue(System.nanoTime() < deadline && !launched.isDone(), "the run reached step 4");
            Thread.sleep(200);
        }
        ProcessHandle rank1 = ProcessHandle.current()
                .descendants()
                .filter(p -> environment(p).contains("RANK=1"))
                .findFirst()
                .orElseThrow();
        long killedAt = System.nanoTime();
        rank1.destroyForcibly(); // SIGKILL
        MainTest.Run r = launched.get(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        assertEquals(Main.USER_ERROR, r.status(), r.err());
        String error = r.err()
                .lines()
                .filter(l -> l.startsWith("error: "))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError(r.err()));
        assertTrue(
                error.matches("error: rank 1 \\(pid " + rank1.pid() + " on .+\\) was killed by signal 9 \\(SIGKILL\\)"
                        + " while at 'step \\d+: .+'; rank 0 saw: .*Connection (reset|closed) by peer.*\\. The run stopped;"
                        + " the last good checkpoint is "
                        + killed.resolve("last.ckpt").toString().replace(".", "\\.")
                        + " \\(step \\d+\\); continue with 'tarflow train --resume .*"),
                error);
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), "one message: " + r.err());
        assertTrue(seconds < 30, "ended " + seconds + " s after the kill, within train.collective_timeout = 30 s");

        long step = Checkpoint.meta(killed.resolve("last.ckpt")).progress().step();
        assertTrue(step >= 4, "the last good checkpoint survives: step " + step);
        String steps = "train.steps=" + (step + 4);
        Path onOne = copy(killed, "resumed-on-one");
        MainTest.Run one =
                MainTest.tarflow("train", "--resume", onOne.toString(), "--set", steps, "--set", "train.accumulate=2");
        assertEquals(0, one.status(), one.err());
        Path onTwo = copy(killed, "resumed-on-two");
        MainTest.Run two =
                MainTest.tarflow("train", "--resume", onTwo.toString(), "--nproc-per-node", "2", "--set", steps);
        assertEquals(0, two.status(), two.err());
        Path uninterrupted = train("uninterrupted", steps, "train.accumulate=2");
        assertEquals(0.0, maxDifference(onOne, uninterrupted), "resumed on one process with the same global batch");
        assertEquals(0.0, maxDifference(onTwo, uninterrupted), "resumed on two processes");
        assertEquals(bound(uninterrupted, "valid"), bound(onTwo, "valid"));
    }

    @Test
    void cudaAsksForNcclAndSaysWhyItCannotRunHere() {
        MainTest.Run r =
                MainTest.tarflow("train", config.toString(), "--nproc-per-node", "2", "--set", "train.device=cuda");
        assertEquals(Main.USER_ERROR, r.status());
        assertTrue(
                r.err()
                        .startsWith("error: train.device = \"cuda\" trains data-parallel over NCCL, but CUDA is not"
                                + " available"),
                r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void aMasterPortInUseIsNamedBeforeAnyWorkerStarts() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            MainTest.Run r = MainTest.tarflow(
                    "train",
                    config.toString(),
                    "--nproc-per-node",
                    "2",
                    "--master-port",
                    Integer.toString(busy.getLocalPort()),
                    "--run-dir",
                    dir.resolve("busy").toString());
            assertEquals(Main.USER_ERROR, r.status());
            assertTrue(
                    r.err()
                            .startsWith(
                                    "error: --master-port " + busy.getLocalPort() + " is already in use on 127.0.0.1"),
                    r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void configCheckPrintsTheGlobalBatch() {
        MainTest.Run r = MainTest.tarflow(
                "config", "check", config.toString(), "--nproc-per-node", "4", "--set", "train.accumulate=3");
        assertEquals(0, r.status(), r.err());
        assertTrue(
                r.out()
                        .contains("# global batch 24 sequences (384 tokens) = 2 per rank (train.batch) × 4 ranks"
                                + " (world size) × 3 micro-batches (train.accumulate)"),
                r.out());
    }

    /** One process (in this JVM), the tiny config with {@code sets}. */
    private static Path train(String name, String... sets) {
        Path run = dir.resolve(name);
        List<String> args = new ArrayList<>(List.of("train", config.toString(), "--run-dir", run.toString()));
        for (String s : sets) args.addAll(List.of("--set", s));
        MainTest.Run r = MainTest.tarflow(args.toArray(new String[0]));
        assertEquals(0, r.status(), r.err());
        return run;
    }

    /** The largest absolute difference between the parameters of two runs' last checkpoints. */
    private static double maxDifference(Path a, Path b) {
        return maxDifference(a, b, false);
    }

    /** ... without the attention key biases when {@code withoutKeyBias} (see the class comment), finite though. */
    private static double maxDifference(Path a, Path b, boolean withoutKeyBias) {
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> x = parameters(a);
            Map<String, Tensor> y = parameters(b);
            assertEquals(x.keySet(), y.keySet());
            double max = 0;
            for (String k : x.keySet()) {
                Tensor d = x.get(k).sub(y.get(k)).abs();
                assertTrue(d.isfinite().all().item_bool(), k);
                if (withoutKeyBias && k.endsWith("attention.qkv.bias")) {
                    long third = d.size(0) / 3;
                    d = torch.cat(new TensorVector(d.narrow(0, 0, third), d.narrow(0, 2 * third, third)));
                }
                max = Math.max(max, d.max().item_double());
            }
            return max;
        }
    }

    private static Map<String, Tensor> parameters(Path run) {
        Object model = Tarflow.load(run, List.of(), PluginRegistry.host()).model();
        Module m = (Module) model; // TarFlowLM is a libtorch module; its interface is not exported to the cli
        StringTensorDict named = m.named_parameters();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (long i = 0; i < named.size(); i++)
            out.put(named.get(i).key().getString(), new Tensor(named.get(i).value()));
        return out;
    }

    private static long digest(Path run) {
        Object model = Tarflow.load(run, List.of(), PluginRegistry.host()).model();
        Module m = (Module) model; // TarFlowLM is a libtorch module; its interface is not exported to the cli
        return World.digest(GradientReducer.parameters(m));
    }

    /** The bound in nats per token that the run's result.json reports for a split. */
    private static double bound(Path run, String split) throws IOException {
        Matcher m = Pattern.compile("\"" + split + "\":\\{\"nats_per_token\":([-0-9.eE]+)")
                .matcher(Files.readString(run.resolve("result.json")));
        assertTrue(m.find(), run + " reports " + split);
        return Double.parseDouble(m.group(1));
    }

    /** The metrics lines of an event, e.g. {@code parameters_identical}. */
    private static List<String> events(Path run, String event) throws IOException {
        Path metrics = run.resolve("metrics.jsonl");
        if (!Files.exists(metrics)) return List.of();
        return Files.readAllLines(metrics, StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains("\"event\":\"" + event + "\""))
                .toList();
    }

    private static long step(String event) {
        Matcher m = Pattern.compile("\"step\":(\\d+)").matcher(event);
        assertTrue(m.find(), event);
        return Long.parseLong(m.group(1));
    }

    private static Path copy(Path from, String name) throws IOException {
        Path to = dir.resolve(name);
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) if (Files.isRegularFile(f)) Files.copy(f, to.resolve(f.getFileName()));
        }
        return to;
    }

    /** What a process was started with, from /proc (Linux). */
    private static String environment(ProcessHandle p) {
        try {
            return new String(
                            Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ")),
                            StandardCharsets.UTF_8)
                    .replace('\0', '\n');
        } catch (IOException e) {
            return "";
        }
    }

    /** The tarflow command as an outside launcher would run it: this JVM's module path and class path, the CLI's main. */
    static List<String> javaCommand(List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx2g", "-Xss4m", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"));
        String modulePath = System.getProperty("jdk.module.path", "");
        if (!modulePath.isEmpty()) cmd.addAll(List.of("--module-path", modulePath));
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.isEmpty()) cmd.addAll(List.of("-cp", classPath));
        Optional.of(Main.class.getModule())
                .filter(java.lang.Module::isNamed)
                .ifPresentOrElse(
                        m -> cmd.addAll(List.of("-m", m.getName() + "/" + Main.class.getName())),
                        () -> cmd.add(Main.class.getName()));
        cmd.addAll(args);
        return cmd;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
