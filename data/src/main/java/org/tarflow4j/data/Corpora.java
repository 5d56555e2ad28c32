package org.tarflow4j.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * Prepares corpora for {@code [data] source = "DIR"}: what {@code tarflow data} runs. Each call reuses the directory
 * when it already holds the same corpus from unchanged sources, and prepares it (again) otherwise.
 */
public final class Corpora {
    /** Where text8 is downloaded from when no local copy is given. */
    public static final String TEXT8_URL = Text8Recipe.URL;

    private Corpora() {}

    /**
     * text8, split 90M / 5M / 5M characters.
     *
     * @param from a local text8.zip or the unzipped text8, or null to download {@link #TEXT8_URL}
     */
    public static Corpus text8(Path from, Path out, Consumer<String> log) {
        return CorpusBuilder.ensure(new Text8Recipe(from, Text8Recipe.OFFICIAL), out, log);
    }

    /** GPT-2 BPE over text files (a document each) and .jsonl files (a document per line), held out by documents. */
    public static Corpus bpe(List<Path> files, Path out, Consumer<String> log) {
        return bpe(files, List.of(), List.of(), out, log);
    }

    /**
     * GPT-2 BPE over text files (a document each, any name, .gz decompressed) and .jsonl files (a document per line).
     *
     * @param valid held-out files that are the valid split (a corpus's standard split), or empty to hold out documents
     *              of {@code files}
     * @param test  held-out files that are the test split; given exactly when {@code valid} is
     */
    public static Corpus bpe(List<Path> files, List<Path> valid, List<Path> test, Path out, Consumer<String> log) {
        return CorpusBuilder.ensure(FilesRecipe.bpe(files, valid, test), out, log);
    }

    /**
     * Any files, a document each, split by tokens.
     *
     * @param level {@code char} (text8 normalisation, 27 symbols) or {@code byte} (raw bytes, 256 symbols)
     */
    public static Corpus text(List<Path> files, String level, Path out, Consumer<String> log) {
        return text(files, level, List.of(), List.of(), out, log);
    }

    /**
     * Any files, a document each; with held-out files, those are the valid and test splits and {@code files} is
     * train.
     *
     * @param level {@code char} (text8 normalisation, 27 symbols) or {@code byte} (raw bytes, 256 symbols)
     */
    public static Corpus text(
            List<Path> files, String level, List<Path> valid, List<Path> test, Path out, Consumer<String> log) {
        return CorpusBuilder.ensure(FilesRecipe.text(files, level, valid, test), out, log);
    }

    /**
     * A synthetic corpus: {@code length} symbols of an order-2 Markov chain over the text8 alphabet, each row of its
     * table drawn from a symmetric Dirichlet with {@code concentration}, all from {@code seed}; split 90/5/5 by
     * tokens. The manifest records its exact entropy rate ({@link #markovEntropyRate}).
     */
    public static Corpus markov(long seed, long length, double concentration, Path out, Consumer<String> log) {
        return CorpusBuilder.ensure(new MarkovRecipe(seed, length, concentration), out, log);
    }

    /** The entropy rate in bits per symbol of the chain a Markov corpus was sampled from; empty for other corpora. */
    public static OptionalDouble markovEntropyRate(Corpus corpus) {
        return corpus.manifest().get(MarkovRecipe.KEY) instanceof Map<?, ?> m
                        && m.get("entropy_rate_bits") instanceof Number h
                ? OptionalDouble.of(h.doubleValue())
                : OptionalDouble.empty();
    }

    /** The chain a Markov corpus was sampled from, rebuilt from its manifest; empty for other corpora. */
    public static Optional<MarkovChain> markovChain(Corpus corpus) {
        return corpus.manifest().containsKey(MarkovRecipe.KEY)
                ? Optional.of(MarkovRecipe.of(new Manifest(corpus.directory(), corpus.manifest()))
                        .chain())
                : Optional.empty();
    }
}
