package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.trainer.checkpoint.Checkpoint;

/**
 * Issue 14, cases 2, 3, 4 and 16, with real processes started through the real {@code tarflow} launcher (which execs
 * java, so a signal reaches the JVM): two processes and one run directory, SIGINT and SIGTERM during training, a full
 * disk, and the launcher called through a symlink. Each asserts the exit status, the message (file, fix) and that no
 * stack trace or native trace is printed.
 */
class LauncherProcessTest {
    /** A tiny model that trains at about ten steps a second; every step logged. */
    static final String TINY = CommandsTest.TINY.replace(
            "steps = 4\nbatch = 4\neval_every = 0\ncheckpoint_every = 2\n",
            "steps = 100000\nbatch = 4\neval_every = 0\ncheckpoint_every = 0\nlog_every = 1\nthreads = 1\n");

    @TempDir
    static Path dir;

    static Launcher launcher;
    static Path config;

    @BeforeAll
    static void layOut() throws Exception {
        assertTrue(TINY.contains("log_every = 1"), TINY);
        launcher = Launcher.in(dir);
        config = Files.writeString(dir.resolve("tiny.toml"), TINY);
    }

    private static long trainLines(Path run) {
        try {
            return Files.exists(run.resolve("metrics.jsonl"))
                    ? Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                            .filter(l -> l.contains("\"split\":\"train\""))
                            .count()
                    : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void noTraces(String err) {
        for (String trace : List.of("\tat ", "Exception", "terminate called", "c10::Error", "internal error"))
            assertFalse(err.contains(trace), "no '" + trace + "' in\n" + err);
    }

    private static String lineStarting(String text, String prefix) {
        return text.lines()
                .flatMap(l -> java.util.Arrays.stream(l.split("\r")))
                .filter(l -> l.startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line starting '" + prefix + "' in\n" + text));
    }

    /**
     * Case 3: SIGINT while training writes last.ckpt at the step boundary (no periodic checkpoint is due: before this
     * fix the run could not be resumed at all), exits 130 and prints the exact command that resumes it, which works.
     */
    @Test
    void case03_sigintWritesLastCkptPrintsTheResumeCommandAndExits130() throws Exception {
        Path run = dir.resolve("int");
        Launcher.Running p = launcher.start(dir, "train", config.toString(), "--run-dir", run.toString());
        p.await(() -> trainLines(run) >= 3, 300, "three training steps");
        p.signal("INT");
        assertEquals(Main.INTERRUPTED, p.exit(120), p.err());
        noTraces(p.err());
        assertTrue(
                p.err()
                        .contains("SIGINT: stopping after this step and writing last.ckpt (press Ctrl-C again to stop"
                                + " at once)"),
                p.err());
        long step = Checkpoint.meta(run.resolve("last.ckpt")).progress().step();
        assertEquals(
                "stopped by SIGINT at step " + step + " of 100000; " + run.resolve("last.ckpt")
                        + " holds it; continue with: " + launcher.script + " train --resume " + run,
                lineStarting(p.err(), "stopped by SIGINT"));
        assertEquals(0, Files.size(run.resolve(org.tarflow4j.trainer.train.RunLock.FILE)), "the lock is let go");
        MainTest.Run resumed =
                MainTest.tarflow("train", "--resume", run.toString(), "--set", "train.steps=" + (step + 2));
        assertEquals(0, resumed.status(), resumed.err());
        assertEquals(step + 2, trainLines(run), "every step once in metrics.jsonl");
    }

    /** Case 3: SIGTERM (what a scheduler sends) does the same with 143. */
    @Test
    void case03_sigtermWritesLastCkptAndExits143() throws Exception {
        Path run = dir.resolve("term");
        Launcher.Running p = launcher.start(dir, "train", config.toString(), "--run-dir", run.toString());
        p.await(() -> trainLines(run) >= 2, 300, "two training steps");
        p.signal("TERM");
        assertEquals(Main.TERMINATED, p.exit(120), p.err());
        noTraces(p.err());
        long step = Checkpoint.meta(run.resolve("last.ckpt")).progress().step();
        assertTrue(step >= 2, "step " + step);
        assertTrue(
                lineStarting(p.err(), "stopped by SIGTERM")
                        .equals("stopped by SIGTERM at step " + step + " of 100000; " + run.resolve("last.ckpt")
                                + " holds it; continue with: " + launcher.script + " train --resume " + run),
                p.err());
    }

    /** Case 3: a second Ctrl-C does not wait for the step to end. */
    @Test
    void case03_aSecondSigintStopsAtOnce() throws Exception {
        Path run = dir.resolve("twice");
        // steps of a few seconds, so that the second signal surely lands within the step the first one found
        Path slow = Files.writeString(
                dir.resolve("slow.toml"),
                TINY.replace("context = 16", "context = 128")
                        .replace("batch = 4\neval_every", "batch = 32\neval_every")
                        .replace("width = 16", "width = 48"));
        Launcher.Running p = launcher.start(dir, "train", slow.toString(), "--run-dir", run.toString());
        p.await(() -> trainLines(run) >= 1, 300, "a training step");
        p.signal("INT");
        p.await(() -> p.err().contains("SIGINT: stopping after this step"), 30, "the first notice");
        p.signal("INT");
        assertEquals(Main.INTERRUPTED, p.exit(60), p.err());
        assertTrue(p.err().contains("SIGINT: stopping after this step and writing last.ckpt"), p.err());
        assertTrue(p.err().contains("SIGINT again: stopping at once"), p.err());
        assertFalse(p.err().contains("stopped by SIGINT at step"), "it did not wait for the step:\n" + p.err());
        noTraces(p.err());
    }

    /**
     * Case 2: while one process trains in a run directory, another is refused, naming the pid; when the first is
     * killed (SIGKILL: no chance to clean up), its lock is recognised as stale and taken over with a message.
     */
    @Test
    void case02_aRunDirectoryIsLockedAgainstASecondProcessAndAStaleLockIsTakenOver() throws Exception {
        Path run = dir.resolve("locked");
        Path periodic = Files.writeString(
                dir.resolve("periodic.toml"), TINY.replace("checkpoint_every = 0", "checkpoint_every = 2"));
        Launcher.Running first = launcher.start(dir, "train", periodic.toString(), "--run-dir", run.toString());
        first.await(() -> Files.exists(run.resolve("last.ckpt")) && trainLines(run) >= 3, 300, "a checkpoint");
        String lock = run.resolve("run.lock").toString();
        for (String[] args : List.of(
                new String[] {"train", periodic.toString(), "--run-dir", run.toString()},
                new String[] {"train", "--resume", run.toString()})) {
            MainTest.Run second = MainTest.tarflow(args);
            assertEquals(Main.USER_ERROR, second.status(), second.err());
            String m = second.err().strip();
            assertEquals(1, m.lines().count(), m);
            assertTrue(
                    Pattern.matches(
                            Pattern.quote("error: run directory " + run + " is in use by process " + first.pid()
                                            + " on ")
                                    + "\\S+ \\(since [0-9T:.Z-]+\\)"
                                    + Pattern.quote(" (lock file " + lock + "); wait for it to finish or stop it (kill "
                                            + first.pid() + "), or train into another --run-dir"),
                            m),
                    m);
        }
        first.process.destroyForcibly();
        first.exit(60);
        assertTrue(
                Files.readString(run.resolve("run.lock")).contains("\"pid\":" + first.pid()),
                "a killed process leaves its lock file as it was");
        long step = Checkpoint.meta(run.resolve("last.ckpt")).progress().step();
        MainTest.Run resumed =
                MainTest.tarflow("train", "--resume", run.toString(), "--set", "train.steps=" + (step + 1));
        assertEquals(0, resumed.status(), resumed.err());
        assertTrue(
                resumed.err().contains("warning: took over the lock of " + run + " left by process " + first.pid()),
                resumed.err());
        assertEquals(0, Files.size(run.resolve("run.lock")));
    }

    /** Case 16: the launcher called through a symlink (and a relative symlink to that) finds its checkout. */
    @Test
    void case16_theLauncherWorksThroughSymlinks() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("tarflow"), launcher.script);
        Path relative = Files.createSymbolicLink(bin.resolve("tf"), Path.of("tarflow"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        for (Path command : List.of(link, relative)) {
            Launcher.Running p = Launcher.start(command, elsewhere, "--version");
            assertEquals(0, p.exit(120), p.err());
            assertTrue(p.out().startsWith("tarflow4j "), p.out() + p.err());
            assertFalse(p.err().contains("POM"), p.err());
        }
    }

    /**
     * Case 4: a full disk while writing a checkpoint: one line naming the file and the space needed and free, the
     * temporary removed, the previous checkpoint intact; a resume once space is freed removes a stale temporary and
     * finishes; eval on a full disk prints its result before failing to write it. Needs a small file system of its
     * own: a tmpfs, else a loop-mounted ext4 (both need root or CAP_SYS_ADMIN); skipped with the reason otherwise.
     */
    @Test
    void case04_aFullDiskIsOneLineAndTheRunResumesOnceSpaceIsFreed() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("small"));
        SmallFileSystem fs = SmallFileSystem.mount(mount, 1 << 20);
        Assumptions.assumeTrue(fs.mounted(), fs.reason());
        try {
            Path filler = mount.resolve("filler");
            Files.write(filler, new byte[(int) Math.max(0, fs.usable() - 500_000)]);
            Path run = mount.resolve("run");
            Path periodic = Files.writeString(
                    dir.resolve("full.toml"),
                    TINY.replace("checkpoint_every = 0", "checkpoint_every = 10")
                            .replace("steps = 100000", "steps = 30"));
            Launcher.Running p = launcher.start(dir, "train", periodic.toString(), "--run-dir", run.toString());
            assertEquals(Main.USER_ERROR, p.exit(300), p.err());
            noTraces(p.err());
            String error = lineStarting(p.err(), "error: ");
            assertTrue(
                    Pattern.matches(
                            Pattern.quote("error: cannot write checkpoint " + run.resolve("last.ckpt")
                                            + ": the file system is full (the file needs ")
                                    + "\\d+\\.\\d kB, \\d+(\\.\\d kB| bytes)"
                                    + Pattern.quote(" free in " + run + "); the previous last.ckpt (step 10) is intact;"
                                            + " free space, then continue with: " + launcher.script
                                            + " train --resume " + run),
                            error),
                    error);
            assertFalse(Files.exists(run.resolve("last.ckpt.tmp")), "the temporary is removed");
            assertEquals(
                    10, Checkpoint.meta(run.resolve("last.ckpt")).progress().step(), "the previous one is whole");

            Files.delete(filler);
            Files.write(run.resolve("last.ckpt.tmp"), new byte[20_000]);
            MainTest.Run resumed = MainTest.tarflow("train", "--resume", run.toString());
            assertEquals(0, resumed.status(), resumed.err());
            assertTrue(
                    resumed.err()
                            .contains("warning: removed " + run.resolve("last.ckpt.tmp")
                                    + " (20.0 kB), left by a write that did not finish"),
                    resumed.err());
            assertEquals(
                    30, Checkpoint.meta(run.resolve("last.ckpt")).progress().step());

            fs.fill(mount.resolve("filler"));
            MainTest.Run eval = MainTest.tarflow("eval", run.toString(), "--split", "valid");
            assertEquals(Main.USER_ERROR, eval.status(), eval.err());
            assertTrue(eval.out().contains("\"checkpoint\": \"" + run.resolve("last.ckpt") + "\""), eval.out());
            assertTrue(eval.out().contains("\"bpc\""), eval.out());
            assertTrue(
                    eval.err()
                            .strip()
                            .startsWith("error: cannot write " + run.resolve("eval-valid-k1.json")
                                    + ": the file system is full (the file needs "),
                    eval.err());
            assertFalse(Files.exists(run.resolve("eval-valid-k1.json.tmp")));
        } finally {
            fs.unmount();
        }
    }
}
