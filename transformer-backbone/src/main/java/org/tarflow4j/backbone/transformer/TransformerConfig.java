package org.tarflow4j.backbone.transformer;

import org.tarflow4j.api.Options;

/**
 * @param depth    number of attention blocks
 * @param width    feature width D, also the residual stream width
 * @param heads    attention heads; must divide width
 * @param mlpRatio MLP hidden width as a multiple of width
 * @param dropout  dropout on attention weights and on both residual branches, in training only
 */
record TransformerConfig(int depth, int width, int heads, int mlpRatio, double dropout) {
    static TransformerConfig read(Options options) {
        int depth = options.getInt("depth", 2, 1, 1024);
        int width = options.getInt("width", 128, 1, 1 << 16);
        int heads = options.getInt("heads", 4, 1, 1 << 16);
        int mlpRatio = options.getInt("mlp_ratio", 4, 1, 64);
        double dropout = options.getDouble("dropout", 0.0, 0.0, 1.0);
        if (width % heads != 0)
            throw options.invalid(
                    "heads",
                    "is " + heads + ", which does not divide width " + width
                            + "; choose a head count that divides the width (e.g. " + largestDivisorUpTo(width, heads)
                            + ")");
        if (dropout == 1.0) throw options.invalid("dropout", "is 1.0, expected a value in [0, 1)");
        return new TransformerConfig(depth, width, heads, mlpRatio, dropout);
    }

    int headWidth() {
        return width / heads;
    }

    private static int largestDivisorUpTo(int n, int limit) {
        int d = Math.min(n, limit);
        while (n % d != 0) d--;
        return d;
    }
}
