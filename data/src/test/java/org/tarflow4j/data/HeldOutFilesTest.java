package org.tarflow4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.DataConfig;

/**
 * Corpora with standard splits (WikiText's {@code wiki.*.raw}, PTB, enwik8 cut as published): the files given are
 * train, and valid and test are exactly the held-out files, so results compare with published ones.
 */
class HeldOutFilesTest {
    @TempDir
    Path dir;

    /** WikiText-103's own files: .raw is a text file like any other, one document each. */
    @Test
    void wikiTextRawFilesAreTheSplitsOfABpeCorpus() throws Exception {
        String train = " = Valkyria Chronicles = \n\n Senjō no Valkyria 3 : Unrecorded Chronicles .\n"
                + Fixtures.words(1, 300);
        String valid = " = Homarus gammarus = \n\n Homarus gammarus , known as the European lobster .\n";
        String test = " = Robert Boulter = \n\n Robert Boulter is an English film , television and theatre actor .\n";
        Path trainFile = Fixtures.write(dir.resolve("wiki.train.raw"), train);
        Path validFile = Fixtures.write(dir.resolve("wiki.valid.raw"), valid);
        Path testFile = Fixtures.gzip(dir.resolve("wiki.test.raw.gz"), test);
        Corpus c = Corpora.bpe(
                List.of(trainFile), List.of(validFile), List.of(testFile), dir.resolve("wikitext"), m -> {});
        assertEquals(train, Fixtures.text(c, "train"));
        assertEquals(valid, Fixtures.text(c, "valid"));
        assertEquals(test, Fixtures.text(c, "test"), "gzipped held-out files are decompressed too");

        Map<String, Object> m = c.manifest();
        assertEquals(
                Map.of(
                        "valid", List.of(validFile.toAbsolutePath().toString()),
                        "test", List.of(testFile.toAbsolutePath().toString())),
                m.get("held_out"));
        assertTrue(((String) m.get("split_rule")).startsWith("held-out files, as published"), m.toString());
        assertEquals(
                "tarflow data bpe " + trainFile.toAbsolutePath() + " --valid " + validFile.toAbsolutePath() + " --test "
                        + testFile.toAbsolutePath() + " --out "
                        + dir.resolve("wikitext").toAbsolutePath(),
                m.get("command"));
        Map<?, ?> splits = (Map<?, ?>) m.get("splits");
        for (String split : List.of("train", "valid", "test"))
            assertEquals(1L, ((Map<?, ?>) splits.get(split)).get("documents"), split);

        List<String> log = new java.util.ArrayList<>();
        Corpus again = Corpus.open(new DataConfig(dir.resolve("wikitext").toString()), log::add);
        assertEquals(List.of(), log, "the config's corpus is the prepared one, reused as it is");
        assertEquals(valid, Fixtures.text(again, "valid"));
    }

    /** Several train files and a .jsonl: documents keep their order; the held-out files are whole splits. */
    @Test
    void manyTrainDocumentsAndCharacterLevel() throws Exception {
        Path a = Fixtures.write(dir.resolve("a.txt"), "alpha " + Fixtures.words(2, 80));
        Path b = Fixtures.write(dir.resolve("b.txt"), "beta " + Fixtures.words(3, 80));
        Path v = Fixtures.write(dir.resolve("ptb.valid.txt"), " the valid split\n");
        Path t = Fixtures.write(dir.resolve("ptb.test.txt"), " the test split\n");
        Corpus c = Corpora.text(List.of(a, b), "char", List.of(v), List.of(t), dir.resolve("ptb"), m -> {});
        assertEquals("the valid split", Fixtures.text(c, "valid"));
        assertEquals("the test split", Fixtures.text(c, "test"));
        assertTrue(Fixtures.text(c, "train").startsWith("alpha "), "train is the files given, in order");
        assertEquals(2L, ((Map<?, ?>) ((Map<?, ?>) c.manifest().get("splits")).get("train")).get("documents"));
    }

    @Test
    void bothHeldOutFilesAndTextInEachAreNeeded() throws Exception {
        Path a = Fixtures.write(dir.resolve("a.raw"), Fixtures.words(4, 50));
        Path v = Fixtures.write(dir.resolve("v.raw"), "valid text");
        TarflowException e = assertThrows(
                TarflowException.class,
                () -> Corpora.bpe(List.of(a), List.of(v), List.of(), dir.resolve("one"), m -> {}));
        assertEquals(
                "held-out files for valid only; give both --valid FILE and --test FILE (a corpus with standard splits"
                        + " has both), or neither to split the files given",
                e.getMessage());
        Path digits = Fixtures.write(dir.resolve("digits.txt"), "1234 5678");
        e = assertThrows(
                TarflowException.class,
                () -> Corpora.text(List.of(a), "char", List.of(v), List.of(digits), dir.resolve("empty"), m -> {}));
        assertEquals(
                "the test files " + digits.toAbsolutePath() + " hold no text after text8 normalisation (which keeps"
                        + " only a-z); give files with text",
                e.getMessage());
        assertEquals(List.of(), Fixtures.leftovers(dir), "a failed preparation leaves nothing behind");
    }
}
