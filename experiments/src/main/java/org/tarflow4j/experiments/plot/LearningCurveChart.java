package org.tarflow4j.experiments.plot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tarflow4j.core.Metric;

/**
 * Learning curves of one or several runs on one chart, against steps or training time: training as solid lines,
 * validations as dashed lines with markers in the same colour. The y axis is the runs' metric (BPC, or PPL on a
 * logarithmic axis) when they share one, bits per token otherwise.
 */
public final class LearningCurveChart {
    /** What the x axis measures. */
    public enum Against {
        STEPS,
        TIME
    }

    private LearningCurveChart() {}

    public static XYChart of(String title, List<LearningCurves> runs, Against x) {
        Metric metric = common(runs);
        double longest = runs.stream()
                .mapToDouble(LearningCurves::lastSeconds)
                .filter(Double::isFinite)
                .max()
                .orElse(0);
        boolean minutes = longest > 300;
        String xTitle = x == Against.STEPS ? "step" : minutes ? "training time (minutes)" : "training time (seconds)";
        String yTitle = (metric == null ? "bits per token" : metric.label()) + " (solid: training, dashed: validation)";
        XYChart chart = Charts.xy(1100, 650, title, xTitle, yTitle);
        if (metric == Metric.PPL) chart.getStyler().setYAxisLogarithmic(true);
        else chart.getStyler().setYAxisDecimalPattern("0.00");
        double scale = minutes ? 60 : 1;
        ToDoubleFunction<Map.Entry<Long, LearningCurves.Point>> at =
                x == Against.STEPS ? e -> e.getKey() : e -> e.getValue().seconds() / scale;
        for (int i = 0; i < runs.size(); i++) {
            LearningCurves r = runs.get(i);
            String label = r.label();
            Series train = Series.of(r.train().entrySet(), at, metric);
            if (!train.isEmpty()) {
                XYSeries s = chart.addSeries(label, train.x, train.y);
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(Charts.color(i));
                s.setLineWidth(1.2f);
            }
            Series valid = Series.of(r.valid().entrySet(), at, metric);
            if (!valid.isEmpty()) {
                XYSeries s = chart.addSeries(label + " (valid)", valid.x, valid.y);
                s.setMarker(SeriesMarkers.CIRCLE);
                s.setMarkerColor(Charts.color(i));
                s.setLineColor(Charts.color(i));
                s.setLineStyle(Charts.DASHED);
                s.setShowInLegend(train.isEmpty());
            }
        }
        return chart;
    }

    /** The metric all runs report, or null when they differ or do not say. */
    static Metric common(List<LearningCurves> runs) {
        Metric m = null;
        for (LearningCurves r : runs) {
            if (r.isEmpty()) continue;
            if (r.metric() == null || (m != null && m != r.metric())) return null;
            m = r.metric();
        }
        return m;
    }

    /** A curve's finite points (a skipped step logs NaN) in the chart's units. */
    private record Series(double[] x, double[] y) {
        static Series of(
                Iterable<Map.Entry<Long, LearningCurves.Point>> points,
                ToDoubleFunction<Map.Entry<Long, LearningCurves.Point>> at,
                Metric metric) {
            List<double[]> kept = new ArrayList<>();
            for (Map.Entry<Long, LearningCurves.Point> e : points) {
                double x = at.applyAsDouble(e);
                double y = metric == null
                        ? e.getValue().loss() / Math.log(2)
                        : metric.of(e.getValue().loss());
                if (Double.isFinite(x) && Double.isFinite(y)) kept.add(new double[] {x, y});
            }
            return new Series(
                    kept.stream().mapToDouble(p -> p[0]).toArray(),
                    kept.stream().mapToDouble(p -> p[1]).toArray());
        }

        boolean isEmpty() {
            return x.length == 0;
        }
    }
}
