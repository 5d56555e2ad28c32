package org.tarflow4j.core;

/**
 * How a bound is reported, decided in this one place: bits per character for corpora of characters or bytes, perplexity
 * for sub-word tokens. Both are functions of the same nats per token.
 */
public enum Metric {
    BPC("bpc", "BPC", "%.4f"),
    PPL("ppl", "PPL", "%.2f");

    private final String key;
    private final String label;
    private final String format;

    Metric(String key, String label, String format) {
        this.key = key;
        this.label = label;
        this.format = format;
    }

    /** BPC for a character-level tokenizer, PPL otherwise. */
    public static Metric of(boolean characterLevel) {
        return characterLevel ? BPC : PPL;
    }

    /** The metric of a report key ({@code bpc}, {@code ppl}). */
    public static Metric ofKey(String key) {
        for (Metric m : values()) if (m.key.equals(key)) return m;
        throw new IllegalArgumentException("no metric '" + key + "'; expected bpc or ppl");
    }

    /** The key in JSON reports: {@code bpc} or {@code ppl}. */
    public String key() {
        return key;
    }

    /** How tables and summaries name it: {@code BPC} or {@code PPL}. */
    public String label() {
        return label;
    }

    /** The metric of a bound of {@code natsPerToken}. */
    public double of(double natsPerToken) {
        return this == BPC ? natsPerToken / Math.log(2) : Math.exp(natsPerToken);
    }

    /** The value alone, to the digits the metric is read at ({@code 1.9930}, {@code 35.17}). */
    public String value(double natsPerToken) {
        return String.format(java.util.Locale.ROOT, format, of(natsPerToken));
    }

    /** The value with its label: {@code 1.9930 BPC}. */
    public String format(double natsPerToken) {
        return value(natsPerToken) + " " + label;
    }
}
