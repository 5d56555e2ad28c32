package org.tarflow4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.DataConfig;

/**
 * A prepared corpus: its tokenizer, its train / valid / test splits (memory-mapped) and its manifest. Opened from the
 * {@code [data]} config: {@code europarl} (built into the cache directory on first use) or the directory of a corpus
 * prepared with {@code tarflow data}. Either is prepared again when its sources changed.
 */
public final class Corpus {
    /** The splits of every corpus, in order. */
    public static final List<String> SPLITS = Manifest.SPLITS;

    private final Path directory;
    private final Manifest manifest;
    private final Tokenizer tokenizer;
    private final Map<String, TokenSplit> splits;

    private Corpus(Path directory, Manifest manifest, Tokenizer tokenizer, Map<String, TokenSplit> splits) {
        this.directory = directory;
        this.manifest = manifest;
        this.tokenizer = tokenizer;
        this.splits = splits;
    }

    /** Opens the corpus of {@code [data]}; preparing it (and why, when it was there but out of date) is said on stderr. */
    public static Corpus open(DataConfig data) {
        return open(data, message -> System.err.println("data: " + message));
    }

    /** @param log receives progress messages when the corpus is being prepared */
    public static Corpus open(DataConfig data, Consumer<String> log) {
        if (EuroparlRecipe.NAME.equals(data.source()))
            return CorpusBuilder.ensure(
                    new EuroparlRecipe(), data.cacheDirectory().resolve(EuroparlRecipe.NAME), log);
        Path dir;
        try {
            dir = Path.of(data.source());
        } catch (InvalidPathException e) {
            throw new TarflowException(
                    "[data] source = \"" + data.source() + "\" is not a valid path: " + e.getMessage());
        }
        Manifest manifest = Files.isDirectory(dir) ? Manifest.readIfPresent(dir) : null;
        if (manifest == null)
            throw new TarflowException(
                    "[data] source = \"" + data.source() + "\" is neither \"europarl\" nor a prepared corpus ("
                            + dir.toAbsolutePath().resolve(Manifest.FILE)
                            + " does not exist); prepare one with `tarflow data text8|bpe|text "
                            + "... --out " + data.source() + "`");
        return CorpusBuilder.ensure(Recipe.of(manifest), dir, log);
    }

    static Corpus load(Path dir, Manifest m) {
        String remake = "; prepare it again with: " + m.values().get("command");
        if (m.number("format") != Manifest.FORMAT)
            throw new TarflowException(dir + " has corpus format " + m.number("format")
                    + ", this tarflow4j reads format " + Manifest.FORMAT + remake);
        Tokenizer tokenizer = Tokenizer.named(m.string("tokenizer"));
        TokenWidth width = TokenWidth.ofDtype(m.string("dtype"));
        if (width == null || !"little-endian".equals(m.values().get("byte_order")))
            throw new TarflowException(dir + " stores tokens as " + m.string("dtype") + " "
                    + m.values().get("byte_order") + ", which this tarflow4j does not read" + remake);
        Map<String, TokenSplit> splits = new LinkedHashMap<>();
        for (String name : Manifest.SPLITS) {
            Path file = dir.resolve(name + ".bin");
            long tokens = m.tokens(name);
            try {
                long bytes = Files.isRegularFile(file) ? Files.size(file) : -1;
                if (bytes != tokens * width.bytes)
                    throw new TarflowException(dir + " is damaged: " + file.getFileName()
                            + (bytes < 0 ? " is missing" : " has " + bytes + " bytes") + ", the manifest says " + tokens
                            + " tokens of " + width.bytes + " byte" + (width.bytes == 1 ? "" : "s") + remake);
                splits.put(name, TokenSplit.map(name, "corpus " + dir, file, width, tokens));
            } catch (IOException e) {
                throw new TarflowException("cannot read " + file + ": " + e.getMessage() + remake, e);
            }
        }
        m = TokenIds.check(dir, m, tokenizer, splits, remake);
        return new Corpus(dir, m, tokenizer, Map.copyOf(splits));
    }

    public Path directory() {
        return directory;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** @param name {@code train}, {@code valid} or {@code test} */
    public TokenSplit split(String name) {
        TokenSplit split = splits.get(name);
        if (split == null)
            throw new TarflowException("there is no split \"" + name + "\"; the splits of a corpus are "
                    + String.join(", ", Manifest.SPLITS));
        return split;
    }

    /** The manifest as read: what the corpus was prepared from and how. For eval results and checkpoints. */
    public Map<String, Object> manifest() {
        return manifest.description();
    }

    /** One line: where, what, how many tokens per split. */
    public String describe() {
        return directory + ": " + manifest.string("kind") + " corpus, " + tokenizer.name() + " tokenizer ("
                + tokenizer.vocabSize() + " symbols); train " + split("train").size() + ", valid "
                + split("valid").size() + ", test " + split("test").size() + " tokens";
    }
}
