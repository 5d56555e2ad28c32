package org.tarflow4j.experiments.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.tarflow4j.core.Metric;
import org.tarflow4j.core.TarflowException;

/** Learning curves read from metrics files (an old and a new format, a resumed run) and drawn as PNGs. */
class RunPlotsTest {
    /** A run resumed at step 20 (steps 21-30 logged twice), its validations without their training time. */
    static final String OLD = """
            {"step":10,"split":"train","loss":2.0,"lr":0.001,"tokens_per_s":900.0,"seconds":10.0}
            {"step":20,"split":"train","loss":1.8,"lr":0.001,"tokens_per_s":900.0,"seconds":20.0}
            {"step":20,"split":"valid","loss":1.9,"stage":0,"best":true}
            {"step":30,"split":"train","loss":9.0,"lr":0.001,"tokens_per_s":900.0,"seconds":30.0}
            {"event":"resumed","step":20}
            {"step":30,"split":"train","loss":1.7,"lr":0.001,"tokens_per_s":900.0,"seconds":31.0}
            {"step":40,"split":"train","loss":NaN,"lr":0.001,"tokens_per_s":900.0,"seconds":41.0}
            {"step":40,"split":"valid","loss":1.95,"stage":0,"best":false}
            {"step":50,"split":"train","lo
            """;

    static final String NEW = """
            {"step":10,"split":"train","loss":3.0,"ppl":20.085536923187668,"lr":0.001,"tokens_per_s":500.0,"seconds":400.0}
            {"step":20,"split":"train","loss":2.5,"ppl":12.182493960703473,"lr":0.001,"tokens_per_s":500.0,"seconds":800.0}
            {"step":20,"split":"valid","loss":2.6,"ppl":13.463738035001690,"seconds":800.0,"stage":0,"best":true}
            """;

    static Path run(Path dir, String name, String metrics) throws Exception {
        Path run = Files.createDirectories(dir.resolve(name));
        Files.writeString(run.resolve("metrics.jsonl"), metrics);
        return run;
    }

    @Test
    void curvesAreReadAsTheLastAttemptWroteThem(@TempDir Path dir) throws Exception {
        LearningCurves old = LearningCurves.read(run(dir, "old", OLD), "old");
        assertEquals(List.of(10L, 20L, 30L, 40L), List.copyOf(old.train().keySet()), "the cut line is skipped");
        assertEquals(1.7, old.train().get(30L).loss(), "the resumed attempt's value");
        assertEquals(20.0, old.valid().get(20L).seconds(), "a validation takes the time of its step's training point");
        assertEquals(31.0, old.valid().get(40L).seconds() - 10, 1e-12);
        assertEquals(1.9, old.validBest());
        assertEquals(40, old.lastStep());
        assertNull(old.metric(), "an old run does not say its metric");
        LearningCurves fresh = LearningCurves.read(run(dir, "new", NEW), "new");
        assertEquals(Metric.PPL, fresh.metric());
        Files.writeString(dir.resolve("old/result.json"), "{\"valid\":{\"nats_per_token\":1.9,\"bpc\":2.74}}");
        assertEquals(Metric.BPC, LearningCurves.read(dir.resolve("old"), "old").metric(), "from result.json");
    }

    @Test
    void oneRunOrSeveralDrawAsTwoPngs(@TempDir Path dir) throws Exception {
        Path old = run(dir, "old", OLD);
        Path fresh = run(dir.resolve("elsewhere"), "old", NEW);
        List<Path> one = RunPlots.write(List.of(old), RunPlots.folder(old));
        assertEquals(
                List.of(old.resolve("plots/learning-curves.png"), old.resolve("plots/learning-curves-time.png")), one);
        List<Path> two = RunPlots.write(List.of(old, fresh), dir.resolve("both"));
        for (Path png : List.of(one.get(0), one.get(1), two.get(0), two.get(1))) {
            BufferedImage image = ImageIO.read(png.toFile());
            assertTrue(image != null && image.getWidth() >= 800 && image.getHeight() >= 500, png.toString());
        }
        XYChart both = LearningCurveChart.of(
                "t",
                List.of(LearningCurves.read(old, "a"), LearningCurves.read(fresh, "b")),
                LearningCurveChart.Against.TIME);
        assertTrue(both.getStyler().isYAxisLogarithmic() == false
                && both.getYAxisTitle().startsWith("bits per token"));
        assertTrue(both.getXAxisTitle().equals("training time (minutes)"), "800 s shown in minutes");
        assertEquals(
                List.of("a", "a (valid)", "b", "b (valid)"),
                List.copyOf(both.getSeriesMap().keySet()));
        assertEquals(3, both.getSeriesMap().get("a").getXData().length, "the skipped step is left out");
        XYChart ppl =
                LearningCurveChart.of("t", List.of(LearningCurves.read(fresh, "b")), LearningCurveChart.Against.STEPS);
        assertTrue(ppl.getStyler().isYAxisLogarithmic() && ppl.getYAxisTitle().startsWith("PPL"));
    }

    @Test
    void aDirectoryThatIsNoRunIsNamed(@TempDir Path dir) {
        String m = assertThrows(TarflowException.class, () -> RunPlots.write(List.of(dir), dir.resolve("p")))
                .getMessage();
        assertEquals(
                dir + " is not a run directory: it has no metrics.jsonl (written by 'tarflow train' as it"
                        + " trains); give the run's directory",
                m);
    }
}
