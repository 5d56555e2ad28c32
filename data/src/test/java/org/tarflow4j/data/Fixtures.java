package org.tarflow4j.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.bytedeco.javacpp.indexer.LongIndexer;
import org.bytedeco.pytorch.Tensor;

/** Small synthetic corpora for the data tests. */
final class Fixtures {
    private Fixtures() {}

    static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static Path gzip(Path file, String text) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    /** {@code words} random lower-case words of 1-9 letters, separated by single spaces. */
    static String words(long seed, int words) {
        Random random = new Random(seed);
        StringBuilder text = new StringBuilder();
        for (int w = 0; w < words; w++) {
            if (w > 0) text.append(' ');
            int length = 1 + random.nextInt(9);
            for (int i = 0; i < length; i++) text.append((char) ('a' + random.nextInt(26)));
        }
        return text.toString();
    }

    /** A split of {@code size} tokens with id {@code i % modulus} at offset i, stored as uint16. */
    static TokenSplit counting(Path dir, String name, int size, int modulus) throws IOException {
        Path file = dir.resolve(name + ".bin");
        try (DocumentWriter writer = new DocumentWriter(file, TokenWidth.UINT16, 1 << 16, new int[0])) {
            for (int i = 0; i < size; i++) writer.accept(i % modulus);
        }
        return TokenSplit.map(name, "corpus " + dir, file, TokenWidth.UINT16, size);
    }

    static long[] values(Tensor t) {
        long[] values = new long[(int) t.numel()];
        try (LongIndexer indexer = t.contiguous().createIndexer()) {
            indexer.get(0, values);
        }
        return values;
    }

    static String text(Corpus corpus, String split) {
        TokenSplit s = corpus.split(split);
        return corpus.tokenizer().decode(s.read(0, (int) s.size()));
    }

    /** Names in {@code dir} that a build leaves behind only when it failed to clean up. */
    static List<String> leftovers(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(".partial-") || n.contains(".old-"))
                    .forEach(names::add);
        }
        return names;
    }
}
