package org.tarflow4j.trainer.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.tensorboard.EventReader;
import org.tarflow4j.tensorboard.SummaryWriter;
import org.tarflow4j.tensorboard.proto.Event;
import org.tarflow4j.tensorboard.proto.Summary;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.model.TinyModels;
import org.tarflow4j.trainer.train.Trainer;
import org.tarflow4j.trainer.train.TrainingListener;

/**
 * A tiny training run writes its TensorBoard event file: read back (every record's CRC32C checked by the reader), it
 * holds the configuration, the training curve equal to {@code metrics.jsonl} (as 32-bit floats), every validation
 * with its samples, multi-pass view, per-layer log-determinants and histograms, and the final bounds.
 */
class TensorBoardListenerTest {
    static final String TINY = TinyModels.STACK + """
            [train]
            steps = 6
            batch = 4
            warmup = 2
            eval_every = 3
            eval_batches = 2
            checkpoint_every = 3
            log_every = 1
            threads = 2
            [eval]
            batch = 8
            max_batches = 3
            """;

    @TempDir
    static Path dir;

    static Trainer.Outcome outcome;
    static List<Event> events;
    static final List<String> warnings = new ArrayList<>();

    @BeforeAll
    static void train() throws Exception {
        Path config = Files.writeString(dir.resolve("tiny.toml"), TINY);
        outcome = Tarflow.train(
                config, List.of(), dir.resolve("run"), null, PluginRegistry.host(), new TrainingListener() {
                    @Override
                    public void warning(String message) {
                        warnings.add(message);
                    }
                });
        List<Path> files = EventReader.eventFiles(dir.resolve("run/tb"));
        assertEquals(1, files.size(), files.toString());
        events = EventReader.read(files.get(0));
    }

    /** tag → step → value of every scalar written. */
    static Map<String, Map<Long, Float>> scalars() {
        Map<String, Map<Long, Float>> out = new TreeMap<>();
        for (Event e : events)
            for (Summary.Value v : e.getSummary().getValueList())
                if (v.getValueCase() == Summary.Value.ValueCase.SIMPLE_VALUE)
                    out.computeIfAbsent(v.getTag(), k -> new TreeMap<>()).put(e.getStep(), v.getSimpleValue());
        return out;
    }

    static List<String> texts(String tag) {
        List<String> out = new ArrayList<>();
        for (Event e : events)
            for (Summary.Value v : e.getSummary().getValueList())
                if (v.getTag().equals(tag))
                    out.add(e.getStep() + " " + v.getTensor().getStringVal(0).toStringUtf8());
        return out;
    }

    @Test
    void theFileStartsWithItsVersionAndHoldsTheResolvedConfig() {
        assertEquals(SummaryWriter.FILE_VERSION, events.get(0).getFileVersion());
        List<String> config = texts(SummaryWriter.CONFIG_TAG);
        assertEquals(1, config.size());
        assertTrue(config.get(0).startsWith("0 ```toml\n[model]"), config.get(0));
        assertTrue(
                config.get(0).contains("tensorboard = true") && config.get(0).contains("mixtures = 4"), config.get(0));
        assertEquals(List.of(), warnings);
    }

    @Test
    void theTrainingCurveIsTheMetricsFile() throws Exception {
        Map<String, Map<Long, Float>> s = scalars();
        Map<Long, Float> loss = new TreeMap<>();
        Map<Long, Float> lr = new TreeMap<>();
        Map<Long, Float> valid = new TreeMap<>();
        for (String line : Files.readAllLines(dir.resolve("run/metrics.jsonl"), StandardCharsets.UTF_8)) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            if (!o.has("split")) continue;
            long step = o.get("step").getAsLong();
            float value = o.get("loss").getAsFloat();
            if (o.get("split").getAsString().equals("train")) {
                loss.put(step, value);
                lr.put(step, o.get("lr").getAsFloat());
                assertEquals(o.get("bpc").getAsDouble(), o.get("loss").getAsDouble() / Math.log(2), 1e-12);
            } else {
                valid.put(step, value);
            }
        }
        assertEquals(6, loss.size());
        assertEquals(loss, s.get("train/loss"), "log_every = 1: each point is one step's loss");
        assertEquals(lr, s.get("train/learning_rate"));
        assertEquals(valid, s.get("valid/loss"));
        for (long step : loss.keySet()) {
            assertEquals(loss.get(step) / Math.log(2), s.get("train/bpc").get(step), 1e-5);
            assertTrue(s.get("train/gradient_norm").get(step) > 0, "gradient norm at " + step);
            assertTrue(s.get("train/tokens_per_second").get(step) > 0);
            assertEquals(0f, s.get("train/skipped_steps").get(step));
        }
        assertEquals(List.of(3L, 6L), List.copyOf(valid.keySet()));
    }

    @Test
    void eachValidationLooksInsideTheModel() {
        Map<String, Map<Long, Float>> s = scalars();
        for (String tag : List.of(
                "logdet/layer_1",
                "logdet/layer_2",
                "elbo/reconstruction",
                "elbo/entropy",
                "elbo/prior",
                "elbo/logdet",
                "latent_norm/z",
                "latent_norm/h1",
                "latent_norm/u",
                "latent_cosine/u",
                "participation_ratio/z",
                "centroid_shift/u",
                "time/probe_seconds"))
            assertEquals(List.of(3L, 6L), List.copyOf(s.get(tag).keySet()), tag);
        for (long step : List.of(3L, 6L))
            assertEquals(
                    s.get("elbo/logdet").get(step),
                    s.get("logdet/layer_1").get(step) + s.get("logdet/layer_2").get(step),
                    1e-4,
                    "the layers' log-determinants add up to the ELBO's");
        for (String text : texts("samples")) assertEquals(3, text.split("\n").length - 2, text);
        assertEquals(2, texts("samples").size());
        List<String> trace = texts("trace");
        assertEquals(2, trace.size());
        assertTrue(trace.get(1).startsWith("6 ```\nlatent"), trace.get(1));
        assertTrue(trace.get(1).contains("\nu ")
                && trace.get(1).contains("\nh1 ")
                && trace.get(1).contains("\nz "));

        Map<String, List<Long>> histograms = new TreeMap<>();
        for (Event e : events)
            for (Summary.Value v : e.getSummary().getValueList())
                if (v.hasHisto()) {
                    histograms
                            .computeIfAbsent(v.getTag(), k -> new ArrayList<>())
                            .add(e.getStep());
                    double expected = v.getTag().startsWith("encoder/") ? 27 : 4 * 16 * 3;
                    assertEquals(expected, v.getHisto().getNum(), v.getTag());
                }
        assertEquals(
                List.of("abs_u/layer_1", "abs_u/layer_2", "encoder/codebook_norm", "encoder/sigma"),
                List.copyOf(histograms.keySet()));
        histograms.values().forEach(steps -> assertEquals(List.of(3L, 6L), steps));
    }

    @Test
    void theFinalBoundsCloseTheFile() {
        Map<String, Map<Long, Float>> s = scalars();
        assertEquals(
                (float) outcome.metric().of(outcome.test().natsPerToken()),
                s.get("final/test_bpc").get(6L));
        assertEquals(
                (float) outcome.valid().natsPerToken(),
                s.get("final/valid_loss").get(6L));
    }

    @Test
    void noEventFilesWhenTurnedOff(@TempDir Path other) throws Exception {
        Path config = Files.writeString(other.resolve("tiny.toml"), TINY.replace("steps = 6", "steps = 2"));
        Tarflow.train(
                config,
                List.of("train.tensorboard=false", "train.eval_every=1"),
                other.resolve("run"),
                null,
                PluginRegistry.host(),
                new TrainingListener() {});
        assertTrue(Files.exists(other.resolve("run/result.json")));
        assertFalse(Files.exists(other.resolve("run/tb")));
    }
}
