package org.tarflow4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.DataConfig;

/** Every mistake a user can make with data ends in a message that says what, where and how to fix it. */
class BadInputTest {
    @TempDir
    Path dir;

    private String message(Runnable r) {
        return assertThrows(TarflowException.class, r::run).getMessage();
    }

    @Test
    void missingAndUnreadableFiles() throws Exception {
        Path missing = dir.resolve("nope.txt");
        assertEquals(
                "cannot read " + missing + ": no such file; check the path",
                message(() -> Corpora.text(List.of(missing), "char", dir.resolve("new/out"), m -> {})));
        assertFalse(Files.exists(dir.resolve("new")), "nothing is created for a preparation that cannot start");
        Path folder = Files.createDirectory(dir.resolve("folder"));
        assertEquals(
                "cannot read " + folder + ": it is a directory; name the files in it",
                message(() -> Corpora.text(List.of(folder), "byte", dir.resolve("out"), m -> {})));
        assertEquals(
                "cannot read " + dir.resolve("nope.zip") + ": no such file; check the path",
                message(() -> Corpora.text8(dir.resolve("nope.zip"), dir.resolve("out"), m -> {})));
    }

    @Test
    void emptyCorpus() throws Exception {
        Path digits = Fixtures.write(dir.resolve("digits.txt"), "123 456 -- 789 !!!\n");
        assertEquals(
                "the corpus of " + digits
                        + " is empty: there is no text in it after text8 normalisation (which keeps only the "
                        + "letters a-z); give files with text",
                message(() -> Corpora.text(List.of(digits), "char", dir.resolve("out"), m -> {})));
        Path empty = Fixtures.write(dir.resolve("empty.jsonl"), "\n\n");
        assertEquals(
                "the corpus of " + empty + " is empty: there is no text in it; give files with text",
                message(() -> Corpora.bpe(List.of(empty), dir.resolve("out"), m -> {})));
        Fixtures.write(digits, "tiny text");
        assertEquals(
                "the corpus of " + digits
                        + " has only 9 tokens, too few to split 90/5/5 into non-empty train, valid and "
                        + "test splits; add text",
                message(() -> Corpora.text(List.of(digits), "char", dir.resolve("out"), m -> {})));
        assertEquals(
                "unknown level \"word\"; levels are char, byte",
                message(() -> Corpora.text(List.of(digits), "word", dir.resolve("out"), m -> {})));
    }

    @Test
    void aSplitShorterThanOneSequence() throws Exception {
        TokenSplit split = Fixtures.counting(dir, "valid", 100, 100);
        assertEquals(
                "the valid split of corpus " + dir + " has 100 tokens, fewer than one sequence of 128; use a shorter "
                        + "model.context or a larger corpus",
                message(() -> new BatchSampler(split, 4, 128, 0)));
        assertEquals(
                "the valid split of corpus " + dir + " has 100 tokens, fewer than one sequence of 128; use a shorter "
                        + "model.context or a larger corpus",
                message(() -> new SequentialBatches(split, 4, 128, 4)));
        assertEquals(
                "sequence length 66 is not a multiple of the patch size 4; make model.context a multiple of model.patch",
                message(() -> new SequentialBatches(split, 4, 66, 4)));
    }

    @Test
    void aSourceThatIsNotAPreparedCorpus() throws Exception {
        Path nothing = dir.resolve("nothing");
        assertEquals(
                "[data] source = \"" + nothing + "\" is neither \"europarl\" nor a prepared corpus ("
                        + nothing.resolve("manifest.json")
                        + " does not exist); prepare one with `tarflow data text8|bpe|text ... --out " + nothing + "`",
                message(() -> Corpus.open(new DataConfig(nothing.toString()))));

        Path occupied = Files.createDirectory(dir.resolve("occupied"));
        Fixtures.write(occupied.resolve("notes.txt"), "my notes");
        Path source = Fixtures.write(dir.resolve("a.txt"), Fixtures.words(9, 100));
        assertEquals(
                occupied
                        + " exists but is not a prepared corpus (it has no manifest.json); choose another directory, or empty it",
                message(() -> Corpora.text(List.of(source), "char", occupied, m -> {})));
        assertEquals(
                List.of(occupied.resolve("notes.txt")),
                Files.list(occupied).toList(),
                "nothing of the user's is touched");
    }

    @Test
    void aDamagedCorpus() throws Exception {
        Path source = Fixtures.write(dir.resolve("a.txt"), Fixtures.words(10, 300));
        Path out = dir.resolve("out");
        Corpus c = Corpora.text(List.of(source), "char", out, m -> {});
        long valid = c.split("valid").size();
        try (FileChannel f = FileChannel.open(out.resolve("valid.bin"), StandardOpenOption.WRITE)) {
            f.truncate(valid - 1);
        }
        assertEquals(
                out + " is damaged: valid.bin has " + (valid - 1) + " bytes, the manifest says " + valid
                        + " tokens of 1 byte; " + "prepare it again with: tarflow data text " + source
                        + " --level char --out " + out,
                message(() -> Corpus.open(new DataConfig(out.toString()))));
    }
}
