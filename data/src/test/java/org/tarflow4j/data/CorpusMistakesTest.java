package org.tarflow4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.DataConfig;

/** Issue 14, cases 9, 11, 12 and 14: damaged or foreign corpora and inputs are named, not crashed on or kept silent. */
class CorpusMistakesTest {
    @TempDir
    Path dir;

    private static String message(Runnable r) {
        return assertThrows(TarflowException.class, r::run).getMessage();
    }

    /** Case 9: an id outside the vocabulary is found when the corpus is opened, with its file and offset. */
    @Test
    void tokenIdsOutsideTheVocabularyNameTheFileAndOffset() throws Exception {
        Path source = Fixtures.write(dir.resolve("a.txt"), Fixtures.words(9, 400));
        Path out = dir.resolve("out");
        Corpora.text(List.of(source), "char", out, m -> {});
        String manifest = Files.readString(out.resolve("manifest.json"));
        assertTrue(manifest.contains("\"ids_checked\""), "the check is remembered in the manifest:\n" + manifest);
        assertFalse(
                Corpus.open(new DataConfig(out.toString()))
                        .manifest()
                        .toString()
                        .contains("ids_checked"),
                "the cache is not part of the corpus's description");
        try (FileChannel f = FileChannel.open(out.resolve("train.bin"), StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap(new byte[] {(byte) 200}), 1234);
        }
        assertEquals(
                "corpus " + out + " is damaged: train.bin holds the token id 200 at token 1234 (byte offset 1234),"
                        + " outside the text8 tokenizer's 27 symbols (ids 0 to 26); prepare it again with: tarflow data"
                        + " text " + source + " --level char --out " + out,
                message(() -> Corpus.open(new DataConfig(out.toString()))));
    }

    /** Case 11: a manifest that is not JSON gets our message (where, what to do), not Gson's advice. */
    @Test
    void aManifestThatIsNotJsonIsNamed() throws Exception {
        Path source = Fixtures.write(dir.resolve("a.txt"), Fixtures.words(9, 400));
        Path out = dir.resolve("out");
        Corpora.text(List.of(source), "char", out, m -> {});
        Files.writeString(out.resolve("manifest.json"), "{\"format\": 1,\n  kind = text8 ]");
        String m = message(() -> Corpus.open(new DataConfig(out.toString())));
        assertEquals(
                out.resolve("manifest.json") + " is not valid JSON (at line 2, column 17): the description of the"
                        + " corpus in " + out + " is damaged; prepare the corpus again with `tarflow data ... --out "
                        + out + "` (or restore manifest.json)",
                m);
        assertFalse(m.contains("setStrictness") || m.contains("LENIENT"), m);
    }

    /** Case 11: a corpus prepared again because its manifest or sources changed says so and why, also in training. */
    @Test
    void aRebuildIsAnnouncedWithItsReason() throws Exception {
        Path source = Fixtures.write(dir.resolve("a.txt"), Fixtures.words(9, 400));
        Path out = dir.resolve("out");
        Corpora.text(List.of(source), "char", out, m -> {});
        Path manifest = out.resolve("manifest.json");
        Files.writeString(manifest, Files.readString(manifest).replace("runs of spaces collapsed", "edited by hand"));
        String err = stderrOf(() -> Corpus.open(new DataConfig(out.toString())));
        assertTrue(
                err.contains(
                        "data: " + out + " is out of date: it was prepared differently (text8 normalisation of"
                                + " each file (.gz decompressed): a-z and space, every other character a space, edited by hand"),
                err);
        assertTrue(err.contains("; preparing it again"), err);
        Fixtures.write(source, Fixtures.words(10, 401));
        err = stderrOf(() -> Corpus.open(new DataConfig(out.toString())));
        assertTrue(err.contains("data: " + out + " is out of date: " + source + " changed size"), err);
    }

    /** Case 12: random bytes are not text at character level; mostly-dropped text says how much was dropped. */
    @Test
    void binaryInputIsRefusedAtCharacterLevelAndDropsAreCounted() throws Exception {
        byte[] random = new byte[20_000];
        new Random(12).nextBytes(random);
        Path noise = Files.write(dir.resolve("noise.bin"), random);
        String m = message(() -> Corpora.text(List.of(noise), "char", dir.resolve("out"), x -> {}));
        assertTrue(
                m.matches(java.util.regex.Pattern.quote(noise.toString()) + " is not text: \\d+% of its characters are"
                        + " control characters or malformed UTF-8 \\(a text file has next to none\\); a character-level"
                        + " corpus reads text: check the file, or prepare binary data with --level byte"),
                m);
        assertFalse(Files.exists(dir.resolve("out")), "nothing is left behind");
        Corpora.text(List.of(noise), "byte", dir.resolve("bytes"), x -> {});
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < 3000; i++) digits.append(i % 7 == 0 ? "word " : "1234 ");
        Path numbers = Fixtures.write(dir.resolve("numbers.txt"), digits.toString());
        List<String> log = new ArrayList<>();
        Corpora.text(List.of(numbers), "char", dir.resolve("numbers"), log::add);
        assertTrue(
                log.contains(numbers + ": 69% of its 15000 characters are not the letters a-z or white space and"
                        + " become spaces (text8 normalisation); use --level byte to keep them"),
                log.toString());
    }

    /** Case 14: a split that does not exist is a user error naming the splits. */
    @Test
    void anUnknownSplitNamesTheSplits() throws Exception {
        Path source = Fixtures.write(dir.resolve("a.txt"), Fixtures.words(9, 400));
        Corpus c = Corpora.text(List.of(source), "char", dir.resolve("out"), m -> {});
        assertEquals(
                "there is no split \"bogus\"; the splits of a corpus are train, valid, test",
                message(() -> c.split("bogus")));
        assertEquals(List.of("train", "valid", "test"), Corpus.SPLITS);
    }

    private static String stderrOf(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
