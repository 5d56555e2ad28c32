package org.tarflow4j.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.tarflow4j.core.TarflowException;

/**
 * A synthetic corpus over the text8 alphabet (space and a-z): a sample of an order-2 {@link MarkovChain} whose rows
 * are Dirichlet draws, all from one seed, split 90/5/5 by tokens. Its exact entropy rate goes into the manifest
 * ({@code markov.entropy_rate_bits}): the floor no model's bits per character may go below.
 */
final class MarkovRecipe extends Recipe {
    static final String NAME = "markov";
    static final int SYMBOLS = 27;
    static final String KEY = "markov";

    private final long seed;
    private final long length;
    private final double concentration;

    MarkovRecipe(long seed, long length, double concentration) {
        if (length < 100)
            throw new TarflowException("a Markov corpus of " + length
                    + " symbols is too short to split 90/5/5; give --length 100 or more");
        if (!(concentration > 0) || concentration > 1e6)
            throw new TarflowException("--concentration " + concentration
                    + " is not a Dirichlet concentration; give a positive number such as 0.1");
        this.seed = seed;
        this.length = length;
        this.concentration = concentration;
    }

    /** The recipe a manifest of this kind records. */
    static MarkovRecipe of(Manifest m) {
        if (!(m.values().get(KEY) instanceof Map<?, ?> v)
                || !(v.get("seed") instanceof Long seed)
                || !(v.get("length") instanceof Long length)
                || !(v.get("concentration") instanceof Number concentration))
            throw new TarflowException(
                    "the manifest of a Markov corpus has no valid \"" + KEY + "\" table; prepare it again");
        return new MarkovRecipe(seed, length, concentration.doubleValue());
    }

    MarkovChain chain() {
        return MarkovChain.random(SYMBOLS, concentration, seed);
    }

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
        return SplitRule.TOKENS;
    }

    @Override
    String preparation() {
        return String.format(
                Locale.ROOT,
                "an order-2 Markov chain over the 27 text8 symbols, each row p(c | a, b) drawn from a symmetric "
                        + "Dirichlet(%s), seed %d; %d symbols sampled from its stationary start, one document",
                concentration,
                seed,
                length);
    }

    @Override
    Map<String, Object> manifestExtras() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("order", 2L);
        v.put("seed", seed);
        v.put("length", length);
        v.put("concentration", concentration);
        v.put("entropy_rate_bits", chain().entropyRateBits());
        return Map.of(KEY, v);
    }

    @Override
    List<String> locations() {
        return List.of();
    }

    @Override
    String command(Path dir) {
        return String.format(
                Locale.ROOT,
                "tarflow data markov --seed %d --length %d --concentration %s --out %s",
                seed,
                length,
                concentration,
                dir);
    }

    @Override
    String describe() {
        return "the order-2 Markov corpus of seed " + seed;
    }

    @Override
    List<Source> write(DocumentWriter out, Path work, Consumer<String> log) throws IOException {
        log.accept("sampling " + length + " symbols of an order-2 Markov chain (seed " + seed + ")");
        chain().stream(length, seed, (t, c) -> out.accept(c));
        out.endDocument();
        return List.of();
    }
}
