package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.trainer.checkpoint.Checkpoint;

/**
 * Issue 14 through the command line, in this process: each numbered case of bad input or damaged file ends with the
 * exact exit status and one line naming the file or key and the fix, with no stack trace. (Cases 2, 3, 4 and 16 need
 * real processes: {@link LauncherProcessTest}.)
 */
class GuaranteesTest {
    @TempDir
    static Path dir;

    static Path config;
    static Path trained;
    static Path pristine;

    @BeforeAll
    static void train() throws Exception {
        config = Files.writeString(dir.resolve("tiny.toml"), CommandsTest.TINY);
        pristine = dir.resolve("pristine");
        MainTest.Run r = MainTest.tarflow("train", config.toString(), "--run-dir", pristine.toString());
        assertEquals(0, r.status(), r.err());
        trained = copy("trained");
    }

    /** A copy of the trained run as training left it, to change or damage. */
    private static Path copy(String name) throws Exception {
        Path to = Files.createDirectories(dir.resolve(name));
        try (Stream<Path> s = Files.list(pristine)) {
            for (Path f : s.toList()) Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        return to;
    }

    /** Exit status {@code status}, one line on stderr starting with {@code error: }, no stack trace; the line. */
    private static String refused(int status, String... args) {
        MainTest.Run r = MainTest.tarflow(args);
        assertEquals(status, r.status(), r.err() + r.out());
        String err = r.err().strip();
        assertFalse(err.contains("\tat ") || err.contains("internal error"), err);
        String error =
                err.lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow(() -> new AssertionError(err));
        assertEquals(1, err.lines().filter(l -> l.startsWith("error: ")).count(), err);
        return error.substring("error: ".length());
    }

    private static String refused(String... args) {
        return refused(Main.USER_ERROR, args);
    }

    @Test
    void case01_aRunDirectoryThatHoldsARunIsRefusedUnlessOverwrite() throws Exception {
        Path run = copy("case01");
        byte[] before = Files.readAllBytes(run.resolve("last.ckpt"));
        assertEquals(
                "run directory " + run + " already holds a run (config.toml, last.ckpt, metrics.jsonl, plots/,"
                        + " result.json, tb/); continue it with --resume " + run + ", train into another --run-dir, or"
                        + " give --overwrite to delete those files first",
                refused("train", config.toString(), "--set", "train.steps=2", "--run-dir", run.toString()));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(run.resolve("last.ckpt"))), "untouched");
        MainTest.Run usage = MainTest.tarflow("train", "--resume", run.toString(), "--overwrite");
        assertEquals(Main.USAGE_ERROR, usage.status());
        assertTrue(usage.err().contains("--overwrite deletes a run and --resume continues it; give one of them"));
        MainTest.Run over = MainTest.tarflow(
                "train", config.toString(), "--set", "train.steps=2", "--run-dir", run.toString(), "--overwrite");
        assertEquals(0, over.status(), over.err());
        assertTrue(
                over.err()
                        .contains("warning: --overwrite: deleted config.toml, last.ckpt, metrics.jsonl, plots/,"
                                + " result.json, tb/ of the run that was in " + run),
                over.err());
        assertEquals(2, Checkpoint.meta(run.resolve("last.ckpt")).progress().step());
    }

    /** Case 5: a warning (or any line) during training starts a line of its own, never the progress bar's. */
    @Test
    void case05_linesNeverLandOnTheProgressBarLine() throws Exception {
        StringWriter text = new StringWriter();
        try (Progress p = new Progress(new PrintWriter(text, true))) {
            p.started(0, 10, 1000, "runs/x");
            p.step(1, 3.2, 1e-3, 100);
            for (int i = 0; i < 50 && !text.toString().contains("train"); i++) Thread.sleep(100);
            assertTrue(text.toString().contains("train"), "the bar was drawn: " + text);
            p.warning("step 2: non-finite loss or gradient, step skipped (1 of at most 5 in a row)");
            p.notice("SIGINT: stopping after this step and writing last.ckpt (press Ctrl-C again to stop at once)");
        }
        for (String line : text.toString().split("\n"))
            if (line.contains("warning:") || line.contains("SIGINT"))
                assertTrue(line.startsWith("warning: step 2") || line.startsWith("SIGINT: stopping"), line);
    }

    /** A resumed run's bar shows the speed and ETA of the steps this process trained, not of those before. */
    @Test
    void case05_aResumedRunsSpeedCountsItsOwnSteps() throws Exception {
        StringWriter text = new StringWriter();
        try (Progress p = new Progress(new PrintWriter(text, true))) {
            p.started(1000, 1500, 1000, "runs/x");
            Thread.sleep(1100);
            p.step(1001, 3.2, 1e-3, 100);
            for (int i = 0; i < 50 && !text.toString().contains("1001/1500"); i++) Thread.sleep(100);
        }
        Matcher speed = Pattern.compile("1001/1500 \\([^)]*\\) ([0-9.]+)/s").matcher(text.toString());
        assertTrue(speed.find(), "the bar was drawn at step 1001 with a speed: " + text);
        assertTrue(Double.parseDouble(speed.group(1)) < 100, "one step in a second, not 1,001: " + speed.group());
    }

    @Test
    void case06_aFinishedRunIsNotResumed() throws Exception {
        Path run = copy("case06");
        String result = Files.readString(run.resolve("result.json"));
        assertEquals(
                "run " + run + " is finished: its last.ckpt is at step 4 of train.steps = 4, and its results are in "
                        + run.resolve("result.json") + "; to train it further, resume with a larger budget, e.g."
                        + " --set train.steps=8",
                refused("train", "--resume", run.toString()));
        assertEquals(result, Files.readString(run.resolve("result.json")));
        MainTest.Run more = MainTest.tarflow("train", "--resume", run.toString(), "--set", "train.steps=6");
        assertEquals(0, more.status(), more.err());
        List<String> steps = Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"split\":\"train\""))
                .map(l -> l.replaceAll(".*\"step\":(\\d+).*", "$1"))
                .toList();
        assertEquals(List.of("4", "6"), steps, "each logged step once");
        assertFalse(Files.readString(run.resolve("result.json")).contains("\"tokens_per_s\":0.0"));
    }

    @Test
    void case07_aDamagedCheckpointIsRefusedNamingTheTensor() throws Exception {
        Path run = copy("case07");
        Path last = run.resolve("last.ckpt");
        String record;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(last.toFile())) {
            record = java.util.Collections.list(zip.entries()).stream()
                    .filter(e -> e.getName().matches(".*/data/\\d+"))
                    .max(java.util.Comparator.comparingLong(java.util.zip.ZipEntry::getSize))
                    .orElseThrow()
                    .getName();
        }
        byte[] bytes = Files.readAllBytes(last);
        byte[] name = record.getBytes(StandardCharsets.UTF_8);
        int flips = 0;
        for (int i = 0; i + 30 + name.length < bytes.length && flips == 0; i++) {
            if (bytes[i] != 'P' || bytes[i + 1] != 'K' || bytes[i + 2] != 3 || bytes[i + 3] != 4) continue;
            ByteBuffer h = ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int nameLength = h.getShort(i + 26) & 0xFFFF;
            int extra = h.getShort(i + 28) & 0xFFFF;
            if (nameLength != name.length
                    || !new String(bytes, i + 30, nameLength, StandardCharsets.UTF_8).equals(record)) continue;
            bytes[i + 30 + nameLength + extra + 100] ^= 0x40;
            flips++;
        }
        assertEquals(1, flips);
        Files.write(last, bytes);
        for (String command : List.of("eval", "sample")) {
            String m = refused(command, run.toString());
            assertTrue(m.startsWith("checkpoint " + last + " is damaged: the tensor '"), m);
            assertTrue(m.endsWith("; use another checkpoint of the run (best.ckpt, or a copy), or train again"), m);
        }
    }

    @Test
    void case08_aResumeWhoseConfigTomlDescribesAnotherModelNamesTheKeys() throws Exception {
        Path run = copy("case08");
        String toml = Files.readString(run.resolve("config.toml"));
        Files.writeString(run.resolve("config.toml"), toml.replace("mixtures = 4", "mixtures = 6"));
        assertTrue(Files.readString(run.resolve("config.toml")).contains("mixtures = 6"));
        assertEquals(
                "cannot resume " + run + ": " + run.resolve("config.toml") + " differs from the configuration "
                        + run.resolve("last.ckpt") + " was written with, in couplings.mog.mixtures: 4 -> 6 (checkpoint"
                        + " -> config.toml); to change a value on resuming, give --set KEY=VALUE with --resume; if"
                        + " config.toml was overwritten, restore it, or delete it to resume with the checkpoint's"
                        + " configuration",
                refused("train", "--resume", run.toString(), "--set", "train.steps=6"));
    }

    @Test
    void case09_tokenIdsOutsideTheVocabularyNameTheFileAndOffset() throws Exception {
        Path corpus = dir.resolve("corpus9");
        StringBuilder text = new StringBuilder();
        Random random = new Random(9);
        for (int i = 0; i < 3000; i++)
            text.append((char) ('a' + random.nextInt(26))).append(i % 5 == 0 ? " " : "");
        Path source = Files.writeString(dir.resolve("words9.txt"), text);
        MainTest.Run prepared = MainTest.tarflow("data", "text", source.toString(), "--out", corpus.toString());
        assertEquals(0, prepared.status(), prepared.err());
        try (FileChannel f = FileChannel.open(corpus.resolve("valid.bin"), StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap(new byte[] {(byte) 99}), 17);
        }
        String m = refused(
                "train",
                config.toString(),
                "--set",
                "data.source=" + corpus,
                "--run-dir",
                dir.resolve("r9").toString());
        assertEquals(
                "corpus " + corpus + " is damaged: valid.bin holds the token id 99 at token 17 (byte offset 17),"
                        + " outside the text8 tokenizer's 27 symbols (ids 0 to 26); prepare it again with: tarflow data"
                        + " text " + source + " --level char --out " + corpus,
                m);
    }

    @Test
    void case10_evaluationMayNotChangeTheArchitecture() {
        for (String set : List.of("backbones.transformer.width=64", "model.latent=4", "flow[0].coupling=affine")) {
            String m = refused("eval", trained.toString(), "--set", set);
            assertTrue(
                    m.startsWith("--set cannot change the architecture of the trained model in "
                            + trained.resolve("last.ckpt") + " ("),
                    m);
            assertTrue(
                    m.endsWith("): its parameters fit the model it was trained as; at evaluation --set may change"
                            + " data.*, eval.*, sample.* and train.threads, train.device, train.bf16, train.seed; to"
                            + " train another architecture, run 'tarflow train' with it"),
                    m);
            assertTrue(m.contains(set.substring(0, set.indexOf('=')) + ": "), m);
        }
        MainTest.Run allowed =
                MainTest.tarflow("eval", trained.toString(), "--set", "eval.max_batches=1", "--split", "valid");
        assertEquals(0, allowed.status(), allowed.err());
    }

    @Test
    void case11_aManifestThatIsNotJsonIsOurMessage() throws Exception {
        Path corpus = dir.resolve("corpus11");
        Path source = Files.writeString(dir.resolve("words11.txt"), "the cat sat on the mat ".repeat(400));
        assertEquals(
                0,
                MainTest.tarflow("data", "text", source.toString(), "--out", corpus.toString())
                        .status());
        Files.writeString(corpus.resolve("manifest.json"), "not json at all");
        String m = refused("eval", trained.toString(), "--set", "data.source=" + corpus);
        assertTrue(m.startsWith(corpus.resolve("manifest.json") + " is not valid JSON"), m);
        assertTrue(
                m.endsWith(" is damaged; prepare the corpus again with `tarflow data ... --out " + corpus
                        + "` (or restore manifest.json)"),
                m);
        assertFalse(m.contains("LENIENT") || m.contains("setStrictness"), m);
    }

    @Test
    void case11_aRebuildInTrainingIsAnnouncedWithItsReason() throws Exception {
        Path corpus = dir.resolve("corpus11b");
        Path source = Files.writeString(dir.resolve("words11b.txt"), "the cat sat on the mat ".repeat(400));
        assertEquals(
                0,
                MainTest.tarflow("data", "text", source.toString(), "--out", corpus.toString())
                        .status());
        Files.writeString(source, "a dog lay on a rug ".repeat(500));
        PrintStream old = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        MainTest.Run r;
        try {
            r = MainTest.tarflow("eval", trained.toString(), "--set", "data.source=" + corpus, "--split", "valid");
        } finally {
            System.setErr(old);
        }
        assertEquals(0, r.status(), r.err());
        String said = captured.toString(StandardCharsets.UTF_8);
        assertTrue(
                said.contains("data: " + corpus + " is out of date: " + source + " changed size (9200 -> 9500 bytes);"
                        + " preparing it again"),
                said);
    }

    @Test
    void case12_binaryInputIsNotACharacterLevelCorpus() throws Exception {
        byte[] random = new byte[20_000];
        new Random(12).nextBytes(random);
        Path noise = Files.write(dir.resolve("noise.bin"), random);
        String m = refused(
                "data",
                "text",
                noise.toString(),
                "--out",
                dir.resolve("corpus12").toString());
        assertTrue(m.startsWith(noise + " is not text: "), m);
        assertTrue(m.endsWith("check the file, or prepare binary data with --level byte"), m);
    }

    @Test
    void case13_configMistakesNameTheKeyAndTheFix() throws Exception {
        Path binary = Files.write(dir.resolve("binary.toml"), new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 1, 2, 3});
        assertEquals(
                "config file " + binary + " is not a text file (it is not UTF-8 text: a binary file?); give a TOML"
                        + " file, e.g. one of examples/configs",
                refused("config", "check", binary.toString()));
        assertEquals(
                "--set 'train.steps=': no value after '='; give one, e.g. --set train.steps=VALUE (to keep the file's"
                        + " value, leave the --set out; --unset train.steps removes it)",
                refused("train", config.toString(), "--set", "train.steps="));
        assertEquals(
                "--set 'flow[0].coupling=': no value after '='; give one, e.g. --set flow[0].coupling=VALUE (to keep"
                        + " the file's value, leave the --set out; --unset flow[0].coupling removes it)",
                refused("config", "check", config.toString(), "--set", "flow[0].coupling="));
        assertTrue(refused("config", "check", config.toString(), "--set", "train.lr=0")
                .startsWith("[train] lr is 0.0; the peak learning rate must be positive"));
        assertTrue(refused("config", "check", config.toString(), "--set", "train.steps=0")
                .startsWith("[train] steps is 0; a run needs at least 1 optimizer step"));
        assertTrue(refused("config", "check", config.toString(), "--set", "model.context=1")
                .startsWith("[model] context is 1; a sequence needs at least 2 flow positions"));
        Path many = Files.writeString(
                dir.resolve("many.toml"), CommandsTest.TINY + "[[flow]]\ncoupling = \"mog\"\n".repeat(300));
        assertTrue(refused("config", "check", many.toString()).startsWith(many + " has 302 [[flow]] layers;"));
    }

    @Test
    void case14_evalSplitAndSamplesAreChecked() {
        assertEquals(
                "--split bogus: there is no such split; the splits are train, valid, test",
                refused("eval", trained.toString(), "--split", "bogus"));
        for (String k : List.of("0", "-3"))
            assertEquals(
                    "--samples " + k + ": give the number of latent samples per sequence, at least 1 (1 is the ELBO),"
                            + " or leave it out for eval.samples",
                    refused("eval", trained.toString(), "--samples", k));
    }

    @Test
    void case15_pluginsFoldersAndDuplicateNames() throws Exception {
        Path missing = dir.resolve("no-such-plugins");
        assertEquals(
                "--plugins names " + missing + ", which does not exist; give the folder that holds your plugin jars",
                refused("config", "check", "--plugins", missing.toString()));
        Path jar;
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("tarflow.examplePlugins")))) {
            jar = s.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        assertEquals(
                "--plugins names " + jar + ", which is a file, not a folder; put the jar into a folder and name that"
                        + " folder",
                refused("eval", trained.toString(), "--plugins", jar.toString()));
        Path twice = Files.createDirectories(dir.resolve("twice"));
        Files.copy(jar, twice.resolve("a-sinh-arcsinh.jar"));
        Files.copy(jar, twice.resolve("b-sinh-arcsinh.jar"));
        String warning = "warning: two plugins provide the coupling 'sinh-arcsinh': 0.3.0 from "
                + twice.resolve("a-sinh-arcsinh.jar") + " is used, 0.3.0 from " + twice.resolve("b-sinh-arcsinh.jar")
                + " is ignored; remove one of them";
        for (String[] args : List.of(
                new String[] {"config", "check", config.toString(), "--plugins", twice.toString()},
                new String[] {"eval", trained.toString(), "--split", "valid", "--plugins", twice.toString()},
                new String[] {"sample", trained.toString(), "--num", "1", "--length", "4", "--plugins", twice.toString()
                })) {
            MainTest.Run r = MainTest.tarflow(args);
            assertEquals(0, r.status(), r.err());
            assertTrue(r.err().lines().anyMatch(warning::equals), args[0] + ":\n" + r.err());
        }
    }
}
