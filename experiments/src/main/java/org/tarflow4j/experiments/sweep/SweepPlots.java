package org.tarflow4j.experiments.sweep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tarflow4j.experiments.plot.Charts;
import org.tarflow4j.experiments.plot.LearningCurveChart;

/**
 * The sweep's plots: the learning curves of all runs on one chart (training loss as lines, validations as dashed
 * lines with markers in the same colour, as {@link LearningCurveChart} draws every run's), and the final test metric
 * against each swept axis, one series per combination of the other axes, averaged over seeds.
 */
final class SweepPlots {
    private SweepPlots() {}

    static List<Path> write(Path directory, PlanFile plan, List<RunRecord> records, String unit) {
        List<Path> out = new ArrayList<>();
        if (records.stream().anyMatch(r -> !r.curves().train().isEmpty()))
            out.add(Charts.save(
                    LearningCurveChart.of(
                            "Learning curves: " + plan.name(),
                            records.stream().map(RunRecord::curves).toList(),
                            LearningCurveChart.Against.STEPS),
                    directory.resolve("learning-curves.png")));
        List<RunRecord> finished = records.stream()
                .filter(r -> r.status() == RunRecord.Status.FINISHED)
                .toList();
        for (PlanFile.AxisColumn axis : plan.axes()) {
            if (axis.seed() || axis.labels().size() < 2 || finished.isEmpty()) continue;
            String name = "test-" + SweepReport.metricName(unit).replace("/", "-per-") + "-vs-"
                    + RunNames.safe(axis.name()) + ".png";
            out.add(Charts.save(
                    metricAgainst(axis, plan, finished, unit),
                    directory.resolve(name.toLowerCase(java.util.Locale.ROOT))));
        }
        return out;
    }

    private static Chart<?, ?> metricAgainst(
            PlanFile.AxisColumn axis, PlanFile plan, List<RunRecord> finished, String unit) {
        String metric = "test " + SweepReport.metricName(unit);
        Map<String, Map<String, List<Double>>> series = new LinkedHashMap<>();
        for (RunRecord r : finished) {
            List<String> others = new ArrayList<>();
            for (PlanFile.AxisColumn a : plan.axes())
                if (a != axis && !a.seed())
                    others.add(a.name() + "=" + r.run().values().get(a.name()));
            series.computeIfAbsent(others.isEmpty() ? metric : String.join(", ", others), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.run().values().get(axis.name()), k -> new ArrayList<>())
                    .add(RunRecord.in(unit, r.test()));
        }
        String title = metric + " against " + axis.name() + ": " + plan.name();
        return numeric(axis.labels())
                ? numericChart(axis, series, metric, title)
                : categoryChart(axis, series, metric, title);
    }

    private static XYChart numericChart(
            PlanFile.AxisColumn axis, Map<String, Map<String, List<Double>>> series, String metric, String title) {
        XYChart chart = Charts.xy(900, 600, title, axis.name(), metric);
        int i = 0;
        for (Entry<String, Map<String, List<Double>>> s : series.entrySet()) {
            TreeMap<Double, Double> points = new TreeMap<>();
            s.getValue().forEach((label, values) -> points.put(Double.parseDouble(label), mean(values)));
            XYSeries xy = chart.addSeries(
                    s.getKey(),
                    points.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                    points.values().stream().mapToDouble(Double::doubleValue).toArray());
            xy.setMarker(SeriesMarkers.CIRCLE);
            xy.setLineColor(Charts.color(i));
            xy.setMarkerColor(Charts.color(i++));
        }
        return chart;
    }

    private static CategoryChart categoryChart(
            PlanFile.AxisColumn axis, Map<String, Map<String, List<Double>>> series, String metric, String title) {
        CategoryChart chart = Charts.category(900, 600, title, axis.name(), metric);
        chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
        chart.getStyler().setOverlapped(true);
        int i = 0;
        for (Entry<String, Map<String, List<Double>>> s : series.entrySet()) {
            List<String> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (String label : axis.labels()) {
                x.add(label);
                y.add(s.getValue().containsKey(label) ? mean(s.getValue().get(label)) : null);
            }
            CategorySeries c = chart.addSeries(s.getKey(), x, y);
            c.setMarker(SeriesMarkers.CIRCLE);
            c.setLineColor(Charts.color(i));
            c.setMarkerColor(Charts.color(i++));
        }
        return chart;
    }

    private static boolean numeric(List<String> labels) {
        return labels.stream().allMatch(l -> l.matches("[-+]?\\d+(\\.\\d*)?([eE][-+]?\\d+)?"));
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
