package org.tarflow4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;

/**
 * {@code tarflow data text8 --from FILE} on a small text8-like file (the real one is 100 MB): the same code path, with
 * the reference sizes and SHA-1 values of the synthetic file in place of text8's.
 */
class Text8CorpusTest {
    @TempDir
    Path dir;

    /** 2,000 characters of a-z and space, starting with a space as text8 does. */
    private static final String TEXT = (" " + Fixtures.words(8, 500)).substring(0, 2000);

    private Path zip(String name, String entry, String text) throws IOException {
        Path zip = dir.resolve(name);
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry(entry));
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            out.closeEntry();
        }
        return zip;
    }

    private static String sha1(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Source.digest("SHA-1", in);
        }
    }

    private Text8Recipe.Reference reference(Path zip, Path text) throws IOException {
        return new Text8Recipe.Reference(Files.size(zip), sha1(zip), Files.size(text), sha1(text));
    }

    @Test
    void preparesTheStandardSplitFromAZipOrThePlainText() throws Exception {
        Path text = Fixtures.write(dir.resolve("text8"), TEXT);
        Path zip = zip("text8.zip", "text8", TEXT);
        Text8Recipe.Reference synthetic = reference(zip, text);
        for (Path from : List.of(zip, text)) {
            Path out = dir.resolve("out-" + from.getFileName());
            Corpus c = CorpusBuilder.ensure(new Text8Recipe(from, synthetic), out, m -> {});
            assertEquals(1800, c.split("train").size(), "first 90% of the characters");
            assertEquals(100, c.split("valid").size(), "next 5%");
            assertEquals(100, c.split("test").size(), "last 5%");
            assertEquals(
                    TEXT,
                    Fixtures.text(c, "train") + Fixtures.text(c, "valid") + Fixtures.text(c, "test"),
                    "symbol for symbol, leading space kept");
            assertEquals(TEXT.substring(1800, 1900), Fixtures.text(c, "valid"));
            assertEquals("text8", c.tokenizer().name());
            assertEquals(
                    "tarflow data text8 --from " + from.toAbsolutePath() + " --out " + out.toAbsolutePath(),
                    c.manifest().get("command"));
        }
    }

    @Test
    void aFileThatIsNotText8ZipIsAChecksumMismatch() throws Exception {
        Path zip = zip("text8.zip", "text8", TEXT);
        TarflowException e =
                assertThrows(TarflowException.class, () -> Corpora.text8(zip, dir.resolve("out"), m -> {}));
        assertEquals(
                "checksum mismatch: " + zip.toAbsolutePath() + " has " + Files.size(zip) + " bytes and SHA-1 "
                        + sha1(zip)
                        + ", but text8.zip has 31344016 bytes and SHA-1 6c70299b93b7e1f927b42cd8f6ac1a31547c7a2e; the copy is damaged or "
                        + "another file: download it again from http://mattmahoney.net/dc/text8.zip",
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("out")));
        assertEquals(List.of(), Fixtures.leftovers(dir));

        Path text = Fixtures.write(dir.resolve("text8"), TEXT);
        e = assertThrows(TarflowException.class, () -> Corpora.text8(text, dir.resolve("out"), m -> {}));
        assertTrue(
                e.getMessage()
                        .startsWith("checksum mismatch: " + text.toAbsolutePath() + " has 2000 characters and SHA-1 "
                                + sha1(text)
                                + ", but text8 has 100000000 and SHA-1 0dc3edebc970dcc96137e7deda4d9995af9d93de"),
                e.getMessage());
    }

    @Test
    void text8HasOnlyLowerCaseLettersAndSpace() throws Exception {
        String bad = TEXT.substring(0, 1000) + "A" + TEXT.substring(1001);
        Path text = Fixtures.write(dir.resolve("text8"), bad);
        Path zip = zip("text8.zip", "text8", bad);
        TarflowException e = assertThrows(
                TarflowException.class,
                () -> CorpusBuilder.ensure(new Text8Recipe(text, reference(zip, text)), dir.resolve("out"), m -> {}));
        assertEquals(
                text.toAbsolutePath()
                        + " is not text8: byte 0x41 at offset 1000, but text8 has only a-z and space; give "
                        + "text8.zip from http://mattmahoney.net/dc/text8.zip or the text8 file inside it (for other text use `tarflow "
                        + "data text`)",
                e.getMessage());

        Path wrongEntry = zip("other.zip", "enwik8", TEXT);
        e = assertThrows(
                TarflowException.class,
                () -> CorpusBuilder.ensure(
                        new Text8Recipe(wrongEntry, reference(wrongEntry, text)), dir.resolve("out"), m -> {}));
        assertEquals(
                wrongEntry.toAbsolutePath()
                        + " has no entry \"text8\"; give text8.zip from http://mattmahoney.net/dc/text8.zip",
                e.getMessage());
    }

    @Test
    void officialReferenceIsText8sPublishedSizes() {
        assertEquals(31_344_016L, Text8Recipe.OFFICIAL.zipBytes());
        assertEquals(100_000_000L, Text8Recipe.OFFICIAL.textBytes());
        long n = Text8Recipe.OFFICIAL.textBytes();
        assertEquals(90_000_000L, n * 9 / 10, "the TOKENS rule on text8 is the standard 90M / 5M / 5M split");
        assertEquals(95_000_000L, n * 19 / 20);
    }
}
