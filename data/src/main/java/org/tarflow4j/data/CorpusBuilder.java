package org.tarflow4j.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.tarflow4j.core.TarflowException;

/**
 * Makes a corpus directory from a recipe, or reuses it when its manifest says it is what the recipe would make now.
 * Everything is written into a temporary sibling directory that is renamed into place when complete, so a reader
 * never sees a half-written corpus, and two processes preparing the same corpus at once both end up with a whole one.
 */
final class CorpusBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();

    private CorpusBuilder() {}

    static Corpus ensure(Recipe recipe, Path dir, Consumer<String> log) {
        Path target = dir.toAbsolutePath().normalize();
        Manifest existing = existing(target);
        if (existing != null) {
            Optional<String> stale = recipe.staleness(existing);
            if (stale.isEmpty()) return Corpus.load(target, existing);
            log.accept(target + " is out of date: " + stale.get() + "; preparing it again");
        }
        try {
            build(recipe, target, log);
        } catch (IOException e) {
            throw new TarflowException("cannot prepare " + recipe.describe() + " in " + target + ": " + e, e);
        }
        return Corpus.load(target, Manifest.readIfPresent(target));
    }

    /** The manifest of a corpus directory; null when there is nothing there yet. */
    private static Manifest existing(Path target) {
        if (!Files.exists(target)) return null;
        if (!Files.isDirectory(target))
            throw new TarflowException(target + " is a file, not a corpus directory; choose another directory");
        Manifest m = Manifest.readIfPresent(target);
        if (m != null || isEmpty(target)) return m;
        throw new TarflowException(target + " exists but is not a prepared corpus (it has no " + Manifest.FILE
                + "); choose another directory, or empty it");
    }

    private static void build(Recipe recipe, Path target, Consumer<String> log) throws IOException {
        recipe.check();
        Path parent = target.getParent();
        boolean madeParent = !Files.exists(parent);
        Files.createDirectories(parent);
        Path work = sibling(target, "partial");
        boolean done = false;
        try {
            DocumentEncoder tokenizer = recipe.tokenizer();
            TokenWidth width = TokenWidth.forVocab(tokenizer.vocabSize());
            Path all = work.resolve("documents.tmp");
            DocumentWriter writer = new DocumentWriter(all, width, tokenizer.vocabSize(), tokenizer.separator());
            List<Source> sources;
            try (writer) {
                sources = recipe.write(writer, work, log);
            }
            if (writer.tokens() == 0)
                throw new TarflowException(recipe.describe() + " is empty: there is no text in it"
                        + (tokenizer instanceof Text8Tokenizer
                                ? " after text8 normalisation (which keeps only the letters a-z)"
                                : "")
                        + "; give files with text");
            long[] cut = recipe.cut(writer);
            Map<String, Object> splits = new LinkedHashMap<>();
            for (int s = 0; s < 3; s++) {
                String name = Manifest.SPLITS.get(s);
                long from = s == 0 ? 0 : cut[2 * s - 1];
                long to = cut[2 * s];
                copy(all, work.resolve(name + ".bin"), from * width.bytes, (to - from) * width.bytes);
                Map<String, Object> split = new LinkedHashMap<>();
                split.put("file", name + ".bin");
                split.put("tokens", to - from);
                if (recipe.byDocuments()) split.put("documents", cut[5 + s]);
                splits.put(name, split);
            }
            Files.delete(all);
            manifest(recipe, target, work, width, sources, writer.documents(), splits)
                    .write();
            install(work, target);
            done = true;
            log.accept("prepared " + target);
        } finally {
            deleteRecursively(work);
            if (!done && madeParent) deleteIfEmpty(parent);
        }
    }

    private static Manifest manifest(
            Recipe recipe,
            Path target,
            Path work,
            TokenWidth width,
            List<Source> sources,
            int documents,
            Map<String, Object> splits) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("format", (long) Manifest.FORMAT);
        v.put("kind", recipe.kind());
        v.put("tokenizer", recipe.tokenizer().name());
        v.put("vocab_size", (long) recipe.tokenizer().vocabSize());
        v.put("dtype", width.dtype);
        v.put("byte_order", "little-endian");
        v.put("preparation", recipe.preparation());
        v.put("split_rule", recipe.splitRule());
        v.putAll(recipe.manifestExtras());
        v.put("sources", sources.stream().map(Source::toJson).toList());
        v.put("documents", (long) documents);
        v.put("splits", splits);
        v.put("command", recipe.command(target));
        return new Manifest(work, v);
    }

    private static void copy(Path from, Path to, long offset, long bytes) throws IOException {
        try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long done = 0; done < bytes; ) done += in.transferTo(offset + done, bytes - done, out);
        }
    }

    /** Renames the finished directory into place; an older corpus there is moved aside first and then deleted. */
    private static void install(Path work, Path target) throws IOException {
        if (Files.exists(target)) {
            Path old = sibling(target, "old");
            Files.move(target, old, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            try {
                Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                deleteRecursively(old);
            }
            return;
        }
        try {
            Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (Manifest.readIfPresent(target) == null) throw e;
        }
    }

    /** A new empty directory next to {@code target}, named {@code target.TAG-RANDOM}, with the usual permissions. */
    private static Path sibling(Path target, String tag) throws IOException {
        while (true) {
            try {
                return Files.createDirectory(target.resolveSibling(
                        target.getFileName() + "." + tag + "-" + Long.toUnsignedString(RANDOM.nextLong(), 36)));
            } catch (FileAlreadyExistsException taken) {
                // try another name
            }
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new TarflowException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException notEmpty) {
            // someone else is using the directory now
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
