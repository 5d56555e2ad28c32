package org.tarflow4j.experiments.sweep;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.TarflowException;

/**
 * The sweep's plots: the learning curves of all runs on one chart (training loss as lines, validations as dashed
 * lines with markers in the same colour), and the final test metric against each swept axis, one series per
 * combination of the other axes, averaged over seeds.
 */
final class SweepPlots {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4),
        new Color(0xff7f0e),
        new Color(0x2ca02c),
        new Color(0xd62728),
        new Color(0x9467bd),
        new Color(0x8c564b),
        new Color(0xe377c2),
        new Color(0x7f7f7f),
        new Color(0xbcbd22),
        new Color(0x17becf)
    };
    private static final BasicStroke DASHED =
            new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0);

    private SweepPlots() {}

    static List<Path> write(Path directory, PlanFile plan, List<RunRecord> records, String unit) {
        System.setProperty("java.awt.headless", "true");
        List<Path> out = new ArrayList<>();
        if (records.stream().anyMatch(r -> !r.trainCurve().isEmpty()))
            out.add(save(learningCurves(plan, records), directory.resolve("learning-curves.png")));
        List<RunRecord> finished = records.stream()
                .filter(r -> r.status() == RunRecord.Status.FINISHED)
                .toList();
        for (PlanFile.AxisColumn axis : plan.axes()) {
            if (axis.seed() || axis.labels().size() < 2 || finished.isEmpty()) continue;
            String name = "test-" + SweepReport.metricName(unit).replace("/", "-per-") + "-vs-"
                    + RunNames.safe(axis.name()) + ".png";
            out.add(save(
                    metricAgainst(axis, plan, finished, unit),
                    directory.resolve(name.toLowerCase(java.util.Locale.ROOT))));
        }
        return out;
    }

    private static XYChart learningCurves(PlanFile plan, List<RunRecord> records) {
        XYChart chart = new XYChartBuilder()
                .width(1100)
                .height(650)
                .title("Learning curves: " + plan.name())
                .xAxisTitle("step")
                .yAxisTitle("loss, bits per token (dashed: validation)")
                .build();
        style(chart.getStyler());
        chart.getStyler().setYAxisDecimalPattern("0.00");
        for (int i = 0; i < records.size(); i++) {
            RunRecord r = records.get(i);
            if (r.trainCurve().isEmpty()) continue;
            Color color = PALETTE[i % PALETTE.length];
            XYSeries train = chart.addSeries(r.run().name(), steps(r.trainCurve()), bits(r.trainCurve()));
            train.setMarker(SeriesMarkers.NONE);
            train.setLineColor(color);
            train.setLineWidth(1.2f);
            if (r.validCurve().isEmpty()) continue;
            XYSeries valid = chart.addSeries(r.run().name() + " (valid)", steps(r.validCurve()), bits(r.validCurve()));
            valid.setMarker(SeriesMarkers.CIRCLE);
            valid.setMarkerColor(color);
            valid.setLineColor(color);
            valid.setLineStyle(DASHED);
            valid.setShowInLegend(false);
        }
        return chart;
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
        XYChart chart = new XYChartBuilder()
                .width(900)
                .height(600)
                .title(title)
                .xAxisTitle(axis.name())
                .yAxisTitle(metric)
                .build();
        style(chart.getStyler());
        int i = 0;
        for (Entry<String, Map<String, List<Double>>> s : series.entrySet()) {
            TreeMap<Double, Double> points = new TreeMap<>();
            s.getValue().forEach((label, values) -> points.put(Double.parseDouble(label), mean(values)));
            XYSeries xy = chart.addSeries(
                    s.getKey(),
                    points.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
                    points.values().stream().mapToDouble(Double::doubleValue).toArray());
            xy.setMarker(SeriesMarkers.CIRCLE);
            xy.setLineColor(PALETTE[i % PALETTE.length]);
            xy.setMarkerColor(PALETTE[i++ % PALETTE.length]);
        }
        return chart;
    }

    private static CategoryChart categoryChart(
            PlanFile.AxisColumn axis, Map<String, Map<String, List<Double>>> series, String metric, String title) {
        CategoryChart chart = new CategoryChartBuilder()
                .width(900)
                .height(600)
                .title(title)
                .xAxisTitle(axis.name())
                .yAxisTitle(metric)
                .build();
        style(chart.getStyler());
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
            c.setLineColor(PALETTE[i % PALETTE.length]);
            c.setMarkerColor(PALETTE[i++ % PALETTE.length]);
        }
        return chart;
    }

    private static void style(AxesChartStyler styler) {
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesVisible(true);
        styler.setAntiAlias(true);
    }

    private static boolean numeric(List<String> labels) {
        return labels.stream().allMatch(l -> l.matches("[-+]?\\d+(\\.\\d*)?([eE][-+]?\\d+)?"));
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** The steps of a curve's finite losses (a skipped step logs NaN). */
    private static double[] steps(NavigableMap<Long, Double> curve) {
        return curve.entrySet().stream()
                .filter(e -> Double.isFinite(e.getValue()))
                .mapToDouble(e -> e.getKey())
                .toArray();
    }

    private static double[] bits(NavigableMap<Long, Double> curve) {
        return curve.values().stream()
                .filter(Double::isFinite)
                .mapToDouble(v -> v / Math.log(2))
                .toArray();
    }

    private static Path save(Chart<?, ?> chart, Path file) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = AtomicFiles.temporary(file);
            Files.write(tmp, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
            AtomicFiles.publish(tmp, file);
        } catch (IOException e) {
            throw new TarflowException("cannot draw " + file + ": " + e.getMessage());
        }
        return file;
    }
}
