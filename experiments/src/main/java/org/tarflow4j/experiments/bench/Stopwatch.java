package org.tarflow4j.experiments.bench;

import java.util.Arrays;
import org.tarflow4j.api.Placement;
import org.tarflow4j.trainer.train.Devices;

/**
 * Wall-clock timing and the median that every benchmark reports. A device runs its work asynchronously: the clock
 * starts after the work queued before has finished and stops after the timed work has, so it measures the work and
 * not how fast it was queued.
 */
final class Stopwatch {
    private Stopwatch() {}

    static double seconds(Placement placement, Runnable work) {
        Devices.synchronize(placement);
        long start = System.nanoTime();
        work.run();
        Devices.synchronize(placement);
        return (System.nanoTime() - start) / 1e9;
    }

    /** The median of finite values, NaN when there are none. */
    static double median(double[] values) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : 0.5 * (v[v.length / 2 - 1] + v[v.length / 2]);
    }
}
