package org.tarflow4j.experiments.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.TarflowException;

/** The one style of every plot tarflow4j draws (sweeps and runs): colours, strokes, legend, and PNG files. */
public final class Charts {
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

    /** Validation curves: dashed, in their training curve's colour. */
    public static final BasicStroke DASHED =
            new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0);

    private Charts() {}

    /** An XY chart in this style. */
    public static XYChart xy(int width, int height, String title, String xTitle, String yTitle) {
        headless();
        XYChart chart = new XYChartBuilder()
                .width(width)
                .height(height)
                .title(title)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        style(chart.getStyler());
        return chart;
    }

    /** A category chart (a nominal x axis) in this style. */
    public static CategoryChart category(int width, int height, String title, String xTitle, String yTitle) {
        headless();
        CategoryChart chart = new CategoryChartBuilder()
                .width(width)
                .height(height)
                .title(title)
                .xAxisTitle(xTitle)
                .yAxisTitle(yTitle)
                .build();
        style(chart.getStyler());
        return chart;
    }

    /** Plots are drawn off screen, also where a display is set. */
    private static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    /** The i-th series' colour (the palette repeats after ten). */
    public static Color color(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /** Legend outside on the right, white background, grid lines, anti-aliased. */
    private static void style(AxesChartStyler styler) {
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesVisible(true);
        styler.setAntiAlias(true);
    }

    /** Writes {@code chart} as a PNG, atomically; returns the file. */
    public static Path save(Chart<?, ?> chart, Path file) {
        headless();
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = AtomicFiles.temporary(file);
            Files.write(tmp, BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
            AtomicFiles.publish(tmp, file);
        } catch (IOException e) {
            throw new TarflowException("cannot draw " + file + ": " + e.getMessage());
        }
        return file;
    }
}
