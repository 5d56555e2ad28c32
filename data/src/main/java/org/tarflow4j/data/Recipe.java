package org.tarflow4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.tarflow4j.core.TarflowException;

/** How a corpus is made from its sources: a deterministic function of the sources and this recipe. */
abstract class Recipe {
    /** {@code europarl}, {@code text8}, {@code bpe}, {@code text} or {@code markov}. */
    abstract String kind();

    abstract DocumentEncoder tokenizer();

    abstract SplitRule rule();

    /** How the corpus is cut into train, valid and test, in words; recorded, and a change of it prepares it again. */
    String splitRule() {
        return rule().description;
    }

    /**
     * Where the written documents are cut into train, valid and test, as {@link SplitRule#cut} returns it; called once
     * all documents are written.
     */
    long[] cut(DocumentWriter all) {
        return rule().cut(all, describe());
    }

    /** Whether the splits are made of whole documents (their counts go into the manifest). */
    boolean byDocuments() {
        return rule() == SplitRule.DOCUMENTS;
    }

    /** Extra facts for the manifest (e.g. which files were held out); none by default. */
    Map<String, Object> manifestExtras() {
        return Map.of();
    }

    /** What is done to the sources, in words; recorded, and a change of it prepares the corpus again. */
    abstract String preparation();

    /** Where the sources are, as {@link Source#location()} records them. */
    abstract List<String> locations();

    /**
     * Streams the documents into {@code out} (calling {@link DocumentWriter#endDocument()} after each one) and returns
     * what they were read from. {@code work} is a scratch directory, deleted afterwards.
     */
    abstract List<Source> write(DocumentWriter out, Path work, Consumer<String> log) throws IOException;

    /** Fails early, before anything is written, when a source cannot be read. */
    void check() {}

    /** The command that prepares this corpus into {@code dir}. */
    abstract String command(Path dir);

    /** For messages: {@code the corpus of a.txt, b.txt}. */
    String describe() {
        List<String> names = locations();
        String shown = names.stream().limit(3).collect(Collectors.joining(", "));
        return "the corpus of " + shown + (names.size() > 3 ? " and " + (names.size() - 3) + " more" : "");
    }

    /** Why the corpus a manifest describes is not what this recipe would make now; empty when it is. */
    Optional<String> staleness(Manifest m) {
        if (m.number("format") != Manifest.FORMAT) return Optional.of("its manifest has format " + m.number("format"));
        if (!kind().equals(m.string("kind")) || !tokenizer().name().equals(m.string("tokenizer")))
            return Optional.of(
                    "it holds a " + m.string("kind") + " corpus with the " + m.string("tokenizer") + " tokenizer");
        if (!preparation().equals(m.string("preparation")) || !splitRule().equals(m.string("split_rule")))
            return Optional.of("it was prepared differently (" + m.string("preparation") + "; split "
                    + m.string("split_rule") + ")");
        List<String> recorded = m.sources().stream().map(Source::location).toList();
        if (!recorded.equals(locations())) return Optional.of("it was prepared from " + String.join(", ", recorded));
        for (Source s : m.sources()) {
            Optional<String> change = s.change();
            if (change.isPresent()) return change;
        }
        return Optional.empty();
    }

    /** The recipe that made the corpus a manifest describes. */
    static Recipe of(Manifest m) {
        List<Path> files = m.sources().stream().map(Source::localFile).toList();
        return switch (m.string("kind")) {
            case EuroparlRecipe.NAME -> new EuroparlRecipe();
            case Text8Recipe.NAME -> new Text8Recipe(files.get(0), Text8Recipe.OFFICIAL);
            case FilesRecipe.BPE, FilesRecipe.TEXT -> FilesRecipe.of(m, files);
            case MarkovRecipe.NAME -> MarkovRecipe.of(m);
            default ->
                throw new TarflowException(
                        "the corpus manifest has an unknown kind \"" + m.string("kind") + "\"; prepare it again");
        };
    }

    /** Fails with a message that says what is wrong with a file that cannot be read. */
    static void checkReadable(Path file) {
        if (!Files.exists(file)) throw new TarflowException("cannot read " + file + ": no such file; check the path");
        if (Files.isDirectory(file))
            throw new TarflowException("cannot read " + file + ": it is a directory; name the files in it");
        if (!Files.isReadable(file))
            throw new TarflowException("cannot read " + file + ": permission denied; check its permissions");
    }
}
