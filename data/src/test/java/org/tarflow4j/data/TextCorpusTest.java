package org.tarflow4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.config.DataConfig;

/** {@code tarflow data text}: splits, determinism, the manifest and the cache. */
class TextCorpusTest {
    @TempDir
    Path dir;

    @Test
    void characterLevelSplitsByTokens90_5_5() throws Exception {
        String a = "First FILE, with Punctuation!\n" + Fixtures.words(1, 150);
        String b = "  second file " + Fixtures.words(2, 150) + "\n";
        Path fa = Fixtures.write(dir.resolve("a.txt"), a);
        Path fb = Fixtures.gzip(dir.resolve("b.txt.gz"), b);
        Corpus c = Corpora.text(List.of(fa, fb), "char", dir.resolve("out"), m -> {});

        String whole = Text8Tokenizer.INSTANCE
                        .decode(Text8Tokenizer.INSTANCE.encode(a))
                        .strip() + " "
                + Text8Tokenizer.INSTANCE
                        .decode(Text8Tokenizer.INSTANCE.encode(b))
                        .strip();
        long n = whole.length();
        assertEquals(n * 9 / 10, c.split("train").size());
        assertEquals(n * 19 / 20 - n * 9 / 10, c.split("valid").size());
        assertEquals(n - n * 19 / 20, c.split("test").size());
        assertEquals(
                whole,
                Fixtures.text(c, "train") + Fixtures.text(c, "valid") + Fixtures.text(c, "test"),
                "the splits are consecutive pieces of the normalised files joined by a space");
        assertEquals("text8", c.tokenizer().name());
        assertEquals("uint8", c.manifest().get("dtype"));
    }

    @Test
    void byteLevelRoundTripsTheFiles() throws Exception {
        String a = "Ünïcode — bytes, \"quotes\" and\ttabs\n".repeat(20);
        String b = "second\r\nfile 日本語\n".repeat(20);
        Corpus c = Corpora.text(
                List.of(Fixtures.write(dir.resolve("a.md"), a), Fixtures.gzip(dir.resolve("b.gz"), b)),
                "byte",
                dir.resolve("bytes"),
                m -> {});
        assertEquals("byte", c.tokenizer().name());
        TokenSplit train = c.split("train");
        TokenSplit valid = c.split("valid");
        TokenSplit test = c.split("test");
        int[] all = new int[(int) (train.size() + valid.size() + test.size())];
        System.arraycopy(train.read(0, (int) train.size()), 0, all, 0, (int) train.size());
        System.arraycopy(valid.read(0, (int) valid.size()), 0, all, (int) train.size(), (int) valid.size());
        System.arraycopy(
                test.read(0, (int) test.size()), 0, all, (int) (train.size() + valid.size()), (int) test.size());
        assertEquals(a + b, c.tokenizer().decode(all), "raw bytes, files concatenated, .gz decompressed");
    }

    @Test
    void preparationIsDeterministic() throws Exception {
        Path f = Fixtures.write(dir.resolve("a.txt"), Fixtures.words(3, 500));
        Corpus one = Corpora.text(List.of(f), "char", dir.resolve("one"), m -> {});
        Corpus two = Corpora.text(List.of(f), "char", dir.resolve("two"), m -> {});
        for (String split : List.of("train", "valid", "test")) {
            assertArrayEquals(
                    Files.readAllBytes(one.directory().resolve(split + ".bin")),
                    Files.readAllBytes(two.directory().resolve(split + ".bin")),
                    split);
        }
        Map<String, Object> m1 = new HashMap<>(one.manifest());
        Map<String, Object> m2 = new HashMap<>(two.manifest());
        m1.remove("command");
        m2.remove("command");
        assertEquals(m1, m2, "manifests differ only in the command, which names the directory");
    }

    @Test
    void manifestRoundTripsThroughTheConfig() throws Exception {
        Path f = Fixtures.write(dir.resolve("a.txt"), Fixtures.words(4, 300));
        Path out = dir.resolve("corpus");
        Corpus prepared = Corpora.text(List.of(f), "char", out, m -> {});
        List<String> log = new ArrayList<>();
        Corpus opened = Corpus.open(new DataConfig(out.toString()), log::add);
        assertEquals(List.of(), log, "an up-to-date corpus is opened as it is");
        assertEquals(prepared.manifest(), opened.manifest());
        Map<String, Object> m = opened.manifest();
        assertEquals(1L, m.get("format"));
        assertEquals("text", m.get("kind"));
        assertEquals(27L, m.get("vocab_size"));
        assertEquals("little-endian", m.get("byte_order"));
        assertEquals(SplitRule.TOKENS.description, m.get("split_rule"));
        Map<?, ?> source = (Map<?, ?>) ((List<?>) m.get("sources")).get(0);
        assertEquals(f.toAbsolutePath().toString(), source.get("location"));
        assertEquals(Files.size(f), source.get("bytes"));
        assertEquals(64, ((String) source.get("sha256")).length());
        Map<?, ?> train = (Map<?, ?>) ((Map<?, ?>) m.get("splits")).get("train");
        assertEquals(opened.split("train").size(), train.get("tokens"));
        assertEquals(
                "tarflow data text " + f.toAbsolutePath() + " --level char --out " + out.toAbsolutePath(),
                m.get("command"));
        assertEquals(
                prepared.split("valid").read(0, 50)[7], opened.split("valid").get(7));
    }

    @Test
    void aChangedSourceInvalidatesTheCorpus() throws Exception {
        Path f = Fixtures.write(dir.resolve("a.txt"), Fixtures.words(5, 300));
        Path out = dir.resolve("corpus");
        long before =
                Corpora.text(List.of(f), "char", out, m -> {}).split("train").size();

        Fixtures.write(f, Fixtures.words(5, 300) + " and more words at the end");
        List<String> log = new ArrayList<>();
        Corpus grown = Corpus.open(new DataConfig(out.toString()), log::add);
        assertTrue(log.get(0).contains("is out of date: " + f.toAbsolutePath() + " changed size"), log.toString());
        assertTrue(grown.split("train").size() > before, "prepared again from the longer file");

        String same = new StringBuilder(Files.readString(f)).reverse().toString();
        Fixtures.write(f, same);
        Files.setLastModifiedTime(
                f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 5000));
        log.clear();
        Corpus changed = Corpora.text(List.of(f), "char", out, log::add);
        assertTrue(log.get(0).contains("changed content (SHA-256"), "same size, new content: the hash decides; " + log);
        assertEquals(
                Text8Tokenizer.INSTANCE
                        .decode(Text8Tokenizer.INSTANCE.encode(same))
                        .strip(),
                Fixtures.text(changed, "train") + Fixtures.text(changed, "valid") + Fixtures.text(changed, "test"));

        Files.setLastModifiedTime(
                f, FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 5000));
        log.clear();
        Corpora.text(List.of(f), "char", out, log::add);
        assertEquals(List.of(), log, "a touched but unchanged file (same hash) keeps the corpus");

        Files.delete(f);
        log.clear();
        assertEquals(
                changed.split("test").size(),
                Corpus.open(new DataConfig(out.toString()), log::add)
                        .split("test")
                        .size());
        assertEquals(List.of(), log, "a corpus whose sources are gone is used as it is");
        assertEquals(List.of(), Fixtures.leftovers(dir));
    }

    @Test
    void anotherRecipeReplacesTheCorpusInTheSameDirectory() throws Exception {
        Path f = Fixtures.write(dir.resolve("a.txt"), Fixtures.words(7, 300));
        Path out = dir.resolve("corpus");
        Corpora.text(List.of(f), "char", out, m -> {});
        List<String> log = new ArrayList<>();
        Corpus bytes = Corpora.text(List.of(f), "byte", out, log::add);
        assertEquals("byte", bytes.tokenizer().name());
        assertTrue(log.get(0).contains("it holds a text corpus with the text8 tokenizer"), log.toString());
        assertEquals(List.of(), Fixtures.leftovers(dir));
    }
}
