package org.tarflow4j.experiments.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.Metric;
import org.tarflow4j.experiments.plot.LearningCurves;

/** Plots of made-up results: a nominal axis with a failed point, a numeric axis, seeds averaged, a skipped step. */
class SweepPlotsTest {
    static RunRecord record(String coupling, String patch, String seed, boolean finished) {
        PlannedRun run = new PlannedRun(
                "coupling-" + coupling + "_patch-" + patch + "_seed-" + seed,
                Map.of("coupling", coupling, "model.patch", patch, "seed", seed),
                0,
                List.of());
        TreeMap<Long, LearningCurves.Point> train = new TreeMap<>(Map.of(
                10L,
                new LearningCurves.Point(3.0, 4, false),
                20L,
                new LearningCurves.Point(Double.NaN, 8, false),
                30L,
                new LearningCurves.Point(2.0, 12, false)));
        TreeMap<Long, LearningCurves.Point> valid = new TreeMap<>(Map.of(30L, new LearningCurves.Point(2.1, 12, true)));
        LearningCurves curves = new LearningCurves(run.name(), train, valid, finished ? Metric.BPC : null);
        double test = 1.5 + 0.1 * Integer.parseInt(patch) + (coupling.equals("affine") ? 0.3 : 0);
        return finished
                ? new RunRecord(
                        run, RunRecord.Status.FINISHED, null, 1000, 30, 12.5, 900, "bpc", 2.1, 2.1, test, curves)
                : new RunRecord(
                        run,
                        RunRecord.Status.FAILED,
                        "diverged",
                        -1,
                        20,
                        8,
                        Double.NaN,
                        null,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        curves);
    }

    @Test
    void nominalAndNumericAxesWithAFailedPointDrawAsDecodablePngs(@TempDir Path dir) throws Exception {
        PlanFile plan = new PlanFile(
                PlanFile.FORMAT,
                "made-up",
                "base.toml",
                List.of(
                        new PlanFile.AxisColumn(
                                "coupling", List.of("flow[*].coupling"), List.of("affine", "Mix-1"), false),
                        new PlanFile.AxisColumn("model.patch", List.of("model.patch"), List.of("1", "2"), false),
                        new PlanFile.AxisColumn("seed", List.of("train.seed"), List.of("0", "1"), true)),
                List.of());
        List<RunRecord> records = new ArrayList<>();
        for (String c : List.of("affine", "Mix-1"))
            for (String p : List.of("1", "2"))
                for (String s : List.of("0", "1")) records.add(record(c, p, s, !(c.equals("affine") && p.equals("2"))));
        List<Path> plots = SweepPlots.write(dir, plan, records, "bpc");
        assertEquals(
                List.of("learning-curves.png", "test-bpc-vs-coupling.png", "test-bpc-vs-model.patch.png"),
                plots.stream().map(p -> p.getFileName().toString()).toList(),
                "no plot against the seed axis");
        for (Path png : plots) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertTrue(
                    image != null && image.getWidth() >= 800 && image.getHeight() >= 500,
                    png + " decodes as a chart-sized image");
        }
    }
}
