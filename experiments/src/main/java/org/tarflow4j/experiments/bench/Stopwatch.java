package org.tarflow4j.experiments.bench;

import java.util.Arrays;

/** Wall-clock timing and the median that every benchmark reports. */
final class Stopwatch {
    private Stopwatch() {}

    static double seconds(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e9;
    }

    /** The median of finite values, NaN when there are none. */
    static double median(double[] values) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : 0.5 * (v[v.length / 2 - 1] + v[v.length / 2]);
    }
}
