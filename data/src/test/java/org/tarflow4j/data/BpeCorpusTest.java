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

/** {@code tarflow data bpe}: GPT-2 tokens, documents separated by end-of-text, held out by documents. */
class BpeCorpusTest {
    private static final String EOT = "<|endoftext|>";

    @TempDir
    Path dir;

    private static String json(String text) {
        return "{\"id\": 1, \"text\": \""
                + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"}\n";
    }

    @Test
    void jsonlDocumentsAreSeparatedByEndOfTextAndHeldOutByDocuments() throws Exception {
        List<String> docs = List.of(
                "Resumption of the session.\nI declare resumed the session.",
                "Second document, quite short.",
                "Third: \"quoted\" words and numbers 1, 2, 3.",
                "Fourth document " + "with repeated words ".repeat(8),
                "Fifth one.",
                "Sixth and last — with a dash and ünïcode.");
        StringBuilder jsonl = new StringBuilder();
        for (String d : docs) jsonl.append(json(d)).append(d.startsWith("Third") ? "\n" : "");
        Corpus c = Corpora.bpe(
                List.of(Fixtures.write(dir.resolve("docs.jsonl"), jsonl.toString())), dir.resolve("bpe"), m -> {});

        assertEquals("gpt2", c.tokenizer().name());
        assertEquals("uint16", c.manifest().get("dtype"));
        Map<?, ?> splits = (Map<?, ?>) c.manifest().get("splits");
        int from = 0;
        for (String name : List.of("train", "valid", "test")) {
            int count = ((Long) ((Map<?, ?>) splits.get(name)).get("documents")).intValue();
            assertTrue(count >= 1, name + " holds at least one document");
            List<String> mine = docs.subList(from, from + count);
            assertEquals(
                    String.join(EOT, mine),
                    Fixtures.text(c, name),
                    name + ": its documents, in order, joined by <|endoftext|>");
            int[] ids = c.split(name).read(0, (int) c.split(name).size());
            assertEquals(
                    count - 1,
                    java.util.Arrays.stream(ids)
                            .filter(id -> id == Gpt2Tokenizer.END_OF_TEXT)
                            .count(),
                    name + ": one 50256 between two documents, none at the ends");
            from += count;
        }
        assertEquals(docs.size(), from, "every document is in exactly one split (blank lines are skipped)");
        assertEquals((long) docs.size(), c.manifest().get("documents"));
    }

    @Test
    void textFilesAreOneDocumentEach() throws Exception {
        List<Path> files = List.of(
                Fixtures.write(dir.resolve("a.txt"), "Alpha document.\nTwo lines."),
                Fixtures.gzip(dir.resolve("b.txt.gz"), "Beta document, gzipped."),
                Fixtures.write(dir.resolve("c.txt"), "Gamma document."));
        Corpus c = Corpora.bpe(files, dir.resolve("bpe"), m -> {});
        assertEquals("Alpha document.\nTwo lines.", Fixtures.text(c, "train"));
        assertEquals("Beta document, gzipped.", Fixtures.text(c, "valid"));
        assertEquals("Gamma document.", Fixtures.text(c, "test"));
    }

    @Test
    void aJsonlLineWithoutTextIsAnErrorNamingFileAndLine() throws Exception {
        Path file = Fixtures.write(dir.resolve("bad.jsonl"), json("fine") + "{\"txt\": \"typo\"}\n" + json("fine"));
        TarflowException e =
                assertThrows(TarflowException.class, () -> Corpora.bpe(List.of(file), dir.resolve("bpe"), m -> {}));
        assertEquals(
                file.toAbsolutePath()
                        + " line 2: no \"text\" field; each line of a .jsonl must be an object with a string "
                        + "\"text\" field",
                e.getMessage());
        assertEquals(List.of(), Fixtures.leftovers(dir), "a failed preparation leaves nothing behind");
        assertTrue(!dir.resolve("bpe").toFile().exists());

        Path number = Fixtures.write(dir.resolve("number.jsonl"), json("fine") + json("fine") + "{\"text\": 42}\n");
        e = assertThrows(TarflowException.class, () -> Corpora.bpe(List.of(number), dir.resolve("bpe"), m -> {}));
        assertEquals(
                number.toAbsolutePath()
                        + " line 3: \"text\" is 42, not a string; each line of a .jsonl must be an object "
                        + "with a string \"text\" field",
                e.getMessage());

        Path broken = Fixtures.write(dir.resolve("broken.jsonl"), "{\"text\": \"unterminated}\n");
        e = assertThrows(TarflowException.class, () -> Corpora.bpe(List.of(broken), dir.resolve("bpe"), m -> {}));
        assertTrue(e.getMessage().startsWith(broken.toAbsolutePath() + " line 1: not valid JSON ("), e.getMessage());
    }

    @Test
    void anyTextFileIsADocumentAndTooFewDocumentsAreRefused() throws Exception {
        Corpus any = Corpora.bpe(
                List.of(
                        Fixtures.write(dir.resolve("notes.md"), "# notes"),
                        Fixtures.write(dir.resolve("wiki.valid.raw"), " = Heading = \n"),
                        Fixtures.write(dir.resolve("README"), "plain")),
                dir.resolve("any"),
                m -> {});
        assertEquals("# notes", Fixtures.text(any, "train"));
        assertEquals(" = Heading = \n", Fixtures.text(any, "valid"));
        assertEquals("plain", Fixtures.text(any, "test"));

        Path one = Fixtures.write(dir.resolve("one.txt"), "A single long document. ".repeat(50));
        Path two = Fixtures.write(dir.resolve("two.txt"), "Another.");
        TarflowException e =
                assertThrows(TarflowException.class, () -> Corpora.bpe(List.of(one, two), dir.resolve("bpe"), m -> {}));
        assertTrue(
                e.getMessage()
                        .endsWith("has 2 documents; at least 3 are needed to hold out valid and test documents; give "
                                + "more files (or a .jsonl with one document per line)"),
                e.getMessage());
    }
}
