package org.tarflow4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.checkpoint.Checkpoint;

/**
 * Issue 14, cases 1, 2, 3, 6 and 8, in one process: a run directory is never trained into twice or by two at once,
 * a stop request writes a checkpoint to resume from, and a resume continues the run it claims to.
 * ({@code cli}'s {@code LauncherProcessTest} does the same with real processes and signals.)
 */
class RunGuaranteesTest {
    private static final TrainingListener QUIET = new TrainingListener() {};

    private static Path config(Path dir) throws Exception {
        return TrainerTest.config(dir, TrainerTest.TINY);
    }

    private static String error(Runnable r) {
        return assertThrows(TarflowException.class, r::run).getMessage();
    }

    private static TrainingListener warnings(List<String> into) {
        return new TrainingListener() {
            @Override
            public void warning(String message) {
                into.add(message);
            }
        };
    }

    /** Case 1: a second run into a directory that holds one is refused; --overwrite says what it deletes. */
    @Test
    void anExistingRunIsRefusedUnlessOverwriteWhichSaysWhatItDeletes(@TempDir Path dir) throws Exception {
        Path file = config(dir);
        Path run = dir.resolve("A");
        Tarflow.train(file, List.of("train.steps=3"), run, null, TrainerTest.REGISTRY, QUIET);
        byte[] last = Files.readAllBytes(run.resolve("last.ckpt"));
        assertEquals(
                "run directory " + run + " already holds a run (best.ckpt, config.toml, last.ckpt, metrics.jsonl,"
                        + " result.json, tb/); continue it with --resume " + run + ", train into another --run-dir, or"
                        + " give --overwrite to delete those files first",
                error(() -> Tarflow.train(file, List.of("train.steps=2"), run, null, TrainerTest.REGISTRY, QUIET)));
        assertTrue(java.util.Arrays.equals(last, Files.readAllBytes(run.resolve("last.ckpt"))), "nothing touched");
        assertEquals(0, Files.size(run.resolve(RunLock.FILE)), "the refused process let go of the lock");
        List<String> said = new ArrayList<>();
        Tarflow.train(
                file,
                List.of("train.steps=2"),
                run,
                null,
                RunDirectory.Start.OVERWRITE,
                TrainerTest.REGISTRY,
                warnings(said));
        assertEquals(
                List.of("--overwrite: deleted best.ckpt, config.toml, last.ckpt, metrics.jsonl, result.json, tb/ of the"
                        + " run that was in " + run),
                said);
        assertEquals(2, Checkpoint.meta(run.resolve("last.ckpt")).progress().step());
        assertFalse(Files.exists(run.resolve("best.ckpt")), "no best.ckpt of the old run beside the new model");
        try (var events = Files.list(run.resolve("tb"))) {
            assertEquals(1, events.count(), "the TensorBoard events of the new run only");
        }
        assertEquals(
                2,
                Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                        .filter(l -> l.contains("\"split\":\"train\""))
                        .count(),
                "metrics of the new run only");
    }

    /** Case 2: a run directory is locked while it trains; a stale lock of a dead process is taken over and named. */
    @Test
    void aRunDirectoryIsLockedAndAStaleLockIsTakenOver(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("A");
        Path file = config(dir);
        try (RunLock held = RunLock.acquire(root, m -> {})) {
            String m = error(() -> Tarflow.train(file, List.of(), root, null, TrainerTest.REGISTRY, QUIET));
            assertTrue(
                    m.startsWith("run directory " + root + " is in use by process "
                            + ProcessHandle.current().pid() + " on " + RunLock.thisHost() + " (since "),
                    m);
            assertTrue(
                    m.endsWith("(this very process) (lock file " + root.resolve(RunLock.FILE)
                            + "); wait for it to finish or stop it (kill "
                            + ProcessHandle.current().pid()
                            + "), or train into another --run-dir"),
                    m);
        }
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Files.writeString(
                root.resolve(RunLock.FILE),
                new RunLock.Holder(dead.pid(), RunLock.thisHost(), "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z")
                        .json());
        List<String> said = new ArrayList<>();
        try (RunLock taken = RunLock.acquire(root, said::add)) {
            assertEquals(
                    List.of("took over the lock of " + root + " left by process " + dead.pid() + " on "
                            + RunLock.thisHost() + " (since 2026-01-01T00:00:01Z), which no longer holds it"
                            + " (it was killed, or its machine stopped)"),
                    said);
        }
        assertEquals(0, Files.size(root.resolve(RunLock.FILE)), "emptied when let go");
        Path fresh = dir.resolve("B");
        assertThrows(
                TarflowException.class,
                () -> Tarflow.train(
                        file, List.of("flow[0].coupling=nothing"), fresh, null, TrainerTest.REGISTRY, QUIET));
        assertFalse(Files.exists(fresh), "a run that failed before writing anything leaves no directory");
    }

    /**
     * Case 3: a stop request (what SIGINT sets) before the first periodic checkpoint still leaves a checkpoint at the
     * step boundary, exit status 130, the resume command, and the resumed run matches an uninterrupted one to 1e-9.
     */
    @Test
    void aStopRequestWritesLastCkptAndTheRunResumesExactly(@TempDir Path dir) throws Exception {
        Path file = config(dir);
        Tarflow.train(
                file, List.of("train.checkpoint_every=0"), dir.resolve("whole"), null, TrainerTest.REGISTRY, QUIET);
        TrainingInterrupted stopped = assertThrows(
                TrainingInterrupted.class,
                () -> Tarflow.train(
                        file,
                        List.of("train.checkpoint_every=0"),
                        dir.resolve("stopped"),
                        null,
                        TrainerTest.REGISTRY,
                        new TrainingListener() {
                            @Override
                            public void step(long step, double loss, double learningRate, double tokensPerSecond) {
                                if (step == 2) Interrupts.request("INT");
                            }
                        }));
        assertEquals(130, stopped.exitStatus());
        assertEquals(
                "stopped by SIGINT at step 2 of 6; " + dir.resolve("stopped/last.ckpt") + " holds it; continue with: "
                        + ResumeCommand.of(dir.resolve("stopped"), TrainerTest.REGISTRY),
                stopped.getMessage());
        assertEquals(
                2, Checkpoint.meta(dir.resolve("stopped/last.ckpt")).progress().step());
        Tarflow.resume(dir.resolve("stopped"), List.of(), TrainerTest.REGISTRY, QUIET);
        assertEquals(
                0.0,
                TrainerTest.maxParameterDifference(dir.resolve("whole/last.ckpt"), dir.resolve("stopped/last.ckpt")),
                1e-9);
        assertEquals(
                143,
                assertThrows(
                                TrainingInterrupted.class,
                                () -> Tarflow.train(
                                        file,
                                        List.of(),
                                        dir.resolve("term"),
                                        null,
                                        TrainerTest.REGISTRY,
                                        new TrainingListener() {
                                            @Override
                                            public void step(long step, double loss, double learningRate, double tps) {
                                                Interrupts.request("TERM");
                                            }
                                        }))
                        .exitStatus());
        assertEquals(
                1, Checkpoint.meta(dir.resolve("term/last.ckpt")).progress().step());
    }

    /**
     * Case 6: after a crash and a resume, metrics.jsonl holds every step once (the steps redone since the checkpoint
     * are cut first); resuming a finished run is refused instead of rewriting its results.
     */
    @Test
    void aResumeDoesNotRecordRedoneStepsTwiceAndAFinishedRunIsNotResumed(@TempDir Path dir) throws Exception {
        Path file = config(dir);
        Path run = dir.resolve("A");
        assertThrows(
                IllegalStateException.class,
                () -> Tarflow.train(file, List.of(), run, null, TrainerTest.REGISTRY, new TrainingListener() {
                    @Override
                    public void step(long step, double loss, double learningRate, double tokensPerSecond) {
                        if (step == 5) throw new IllegalStateException("simulated crash after step 5");
                    }
                }));
        Files.writeString(
                run.resolve("metrics.jsonl"), "{\"step\":5,\"split\":\"tr", java.nio.file.StandardOpenOption.APPEND);
        Tarflow.resume(run, List.of(), TrainerTest.REGISTRY, QUIET);
        Map<String, Long> trainSteps = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"split\":\"train\""))
                .collect(Collectors.groupingBy(l -> l.replaceAll(".*\"step\":(\\d+).*", "$1"), Collectors.counting()));
        assertEquals(Map.of("1", 1L, "2", 1L, "3", 1L, "4", 1L, "5", 1L, "6", 1L), trainSteps);
        String result = Files.readString(run.resolve("result.json"));
        assertEquals(
                "run " + run + " is finished: its last.ckpt is at step 6 of train.steps = 6, and its results are in "
                        + run.resolve("result.json") + "; to train it further, resume with a larger budget, e.g."
                        + " --set train.steps=12",
                error(() -> Tarflow.resume(run, List.of(), TrainerTest.REGISTRY, QUIET)));
        assertEquals(result, Files.readString(run.resolve("result.json")), "result.json is left as it was");
        assertFalse(result.contains("\"tokens_per_s\":0.0"), result);
    }

    /** Case 8: a run whose config.toml no longer describes its checkpoint is not resumed; the keys are named. */
    @Test
    void aResumeWhoseConfigDiffersFromTheCheckpointNamesTheKeys(@TempDir Path dir) throws Exception {
        Path file = config(dir);
        Path run = dir.resolve("A");
        Tarflow.train(file, List.of("train.steps=2"), run, null, TrainerTest.REGISTRY, QUIET);
        Path toml = run.resolve("config.toml");
        Files.writeString(toml, Files.readString(toml).replace("width = 16", "width = 32"));
        assertEquals(
                "cannot resume " + run + ": " + toml + " differs from the configuration " + run.resolve("last.ckpt")
                        + " was written with, in backbones.transformer.width: 16 -> 32 (checkpoint -> config.toml); to"
                        + " change a value on resuming, give --set KEY=VALUE with --resume; if config.toml was"
                        + " overwritten, restore it, or delete it to resume with the checkpoint's configuration",
                error(() -> Tarflow.resume(run, List.of("train.steps=4"), TrainerTest.REGISTRY, QUIET)));
        Files.delete(toml);
        Tarflow.resume(run, List.of("train.steps=4"), TrainerTest.REGISTRY, QUIET);
        assertTrue(Files.readString(toml).contains("steps = 4"), "config.toml is the configuration as run");
        Tarflow.resume(run, List.of("train.steps=5"), TrainerTest.REGISTRY, QUIET);
        assertEquals(5, Checkpoint.meta(run.resolve("last.ckpt")).progress().step());
    }
}
