package org.tarflow4j.tensorboard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.tarflow4j.tensorboard.proto.HistogramProto;

/**
 * A histogram of values over TensorFlow's default buckets: limits growing by 10% from 1e-12 to 1e20 on either side of
 * zero, closed by ±{@link Double#MAX_VALUE}. Bucket {@code i} counts values in {@code [limit[i-1], limit[i])}; a run
 * of empty buckets is stored as one empty bucket ending where the run ends, as TensorFlow stores it. TensorBoard
 * re-bins these for display.
 */
public final class Histogram {
    private static final double[] LIMITS = defaultLimits();

    private Histogram() {}

    /** The bucket limits, in increasing order (a copy). */
    public static double[] defaultLimits() {
        List<Double> positive = new ArrayList<>();
        for (double v = 1e-12; v < 1e20; v *= 1.1) {
            positive.add(v);
        }
        positive.add(Double.MAX_VALUE);
        List<Double> limits = new ArrayList<>(2 * positive.size() + 1);
        List<Double> negative = new ArrayList<>();
        for (double v : positive) {
            negative.add(-v);
        }
        Collections.reverse(negative);
        limits.addAll(negative);
        limits.add(0.0);
        limits.addAll(positive);
        return limits.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * The histogram of {@code values}: count, min, max, sum, sum of squares and the non-empty buckets.
     *
     * @throws IllegalArgumentException if a value is NaN or infinite (TensorBoard draws finite values only)
     */
    public static HistogramProto of(double[] values) {
        HistogramProto.Builder proto = HistogramProto.newBuilder().setNum(values.length);
        if (values.length == 0) {
            return proto.build();
        }
        double[] counts = new double[LIMITS.length];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        double sumSquares = 0;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(
                        "value " + i + " of " + values.length + " is " + v + "; a histogram holds finite values only");
            }
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
            sumSquares += v * v;
            counts[bucketOf(v)]++;
        }
        proto.setMin(min).setMax(max).setSum(sum).setSumSquares(sumSquares);
        for (int i = 0; i < counts.length; i++) {
            boolean endOfEmptyRun = counts[i] == 0 && (i + 1 == counts.length || counts[i + 1] != 0);
            if (counts[i] != 0 || endOfEmptyRun) {
                proto.addBucketLimit(LIMITS[i]).addBucket(counts[i]);
            }
        }
        return proto.build();
    }

    /** The index of the first limit greater than {@code v} (the last bucket for {@code Double.MAX_VALUE}). */
    static int bucketOf(double v) {
        int found = Arrays.binarySearch(LIMITS, v);
        int bucket = found >= 0 ? found + 1 : -found - 1;
        return Math.min(bucket, LIMITS.length - 1);
    }
}
