package org.tarflow4j.data;

import org.tarflow4j.core.TarflowException;

/** How a corpus is cut into train, valid and test: 90/5/5, deterministically. */
enum SplitRule {
    /** The text8 convention: on 100,000,000 characters, 90M / 5M / 5M. */
    TOKENS("by tokens: train is the first 90% of the tokens, valid the next 5%, test the last 5%"),
    /** Held-out documents; the separator at a cut is dropped. */
    DOCUMENTS("by documents, in order: valid begins at the document boundary nearest 90% of the tokens, "
            + "test at the one nearest 95%");

    final String description;

    SplitRule(String description) {
        this.description = description;
    }

    /**
     * Token ranges of the written stream: train [0, cut[0]), valid [cut[1], cut[2]), test [cut[3], cut[4]), and the
     * documents in each (cut[5], cut[6], cut[7]; all 0 for {@link #TOKENS}).
     */
    long[] cut(DocumentWriter all, String corpus) {
        long n = all.tokens();
        if (this == TOKENS) {
            long valid = n * 9 / 10;
            long test = n * 19 / 20;
            if (valid == 0 || test == valid || test == n)
                throw new TarflowException(
                        corpus + " has only " + n + " tokens, too few to split 90/5/5 into non-empty train, "
                                + "valid and test splits; add text");
            return new long[] {valid, valid, test, test, n, 0, 0, 0};
        }
        int docs = all.documents();
        if (docs < 3)
            throw new TarflowException(corpus + " has " + docs + " document" + (docs == 1 ? "" : "s")
                    + "; at least 3 are needed to hold out valid and test documents; give more files (or a .jsonl with "
                    + "one document per line)");
        int validStart = nearest(all, 1, docs - 2, 18 * n);
        int testStart = nearest(all, validStart + 1, docs - 1, 19 * n);
        return new long[] {
            all.end(validStart - 1),
            all.start(validStart),
            all.end(testStart - 1),
            all.start(testStart),
            n,
            validStart,
            testStart - validStart,
            docs - testStart
        };
    }

    /** The document in [from, to] whose start is nearest {@code target / 20} tokens; the first on a tie. */
    private static int nearest(DocumentWriter all, int from, int to, long target) {
        int best = from;
        for (int d = from + 1; d <= to; d++) {
            if (Math.abs(20 * all.start(d) - target) < Math.abs(20 * all.start(best) - target)) best = d;
        }
        return best;
    }
}
