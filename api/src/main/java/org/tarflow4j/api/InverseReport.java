package org.tarflow4j.api;

/**
 * What the last inverse cost: Newton iterations per element (mean and max over elements) and the number of
 * elements that did not converge to the solver's tolerance. Closed-form inverses report {@link #EXACT}.
 */
public record InverseReport(long elements, double meanIterations, long maxIterations, long unconverged) {
    public static final InverseReport EXACT = new InverseReport(0, 0, 0, 0);

    /** Combines the reports of several inverse calls (e.g. one per channel). */
    public InverseReport plus(InverseReport other) {
        long n = elements + other.elements;
        double mean = n == 0 ? 0 : (meanIterations * elements + other.meanIterations * other.elements) / n;
        return new InverseReport(
                n, mean, Math.max(maxIterations, other.maxIterations), unconverged + other.unconverged);
    }
}
