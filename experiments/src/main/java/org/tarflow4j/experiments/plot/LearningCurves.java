package org.tarflow4j.experiments.plot;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.tarflow4j.core.Metric;
import org.tarflow4j.core.TarflowException;

/**
 * A run's learning curves as its {@code metrics.jsonl} records them: the training loss every {@code train.log_every}
 * steps and every periodic validation, in nats per token, each with the run's training time at that point (across
 * resumes). Where attempts of a run overlap, the last attempt's value stands.
 *
 * @param label  how plots name the run
 * @param metric how the run reports its bounds (from its lines or {@code result.json}), null when they do not say
 */
public record LearningCurves(
        String label, NavigableMap<Long, Point> train, NavigableMap<Long, Point> valid, Metric metric) {

    /**
     * @param loss    nats per token; NaN for a skipped step
     * @param seconds training time at this step; NaN when unknown
     * @param best    a validation that improved on every earlier one of the final stage
     */
    public record Point(double loss, double seconds, boolean best) {}

    /** The curves of the run in {@code runDir} (empty ones when it has no {@code metrics.jsonl} yet). */
    public static LearningCurves read(Path runDir, String label) {
        NavigableMap<Long, Point> train = new TreeMap<>();
        NavigableMap<Long, Point> valid = new TreeMap<>();
        Metric metric = null;
        for (JsonObject m : lines(runDir.resolve("metrics.jsonl"))) {
            String split = string(m, "split");
            if (split == null || !m.has("step")) continue;
            long step = m.get("step").getAsLong();
            Point p = new Point(
                    number(m, "loss"),
                    number(m, "seconds"),
                    m.has("best") && m.get("best").getAsBoolean());
            if (split.equals("train")) train.put(step, p);
            else if (split.equals("valid")) valid.put(step, p);
            for (Metric k : Metric.values()) if (m.has(k.key())) metric = k;
        }
        // Validations written before they carried the training time: that of the training point at or before them.
        valid.replaceAll((step, p) -> {
            if (!Double.isNaN(p.seconds())) return p;
            Map.Entry<Long, Point> before = train.floorEntry(step);
            return new Point(
                    p.loss(), before == null ? Double.NaN : before.getValue().seconds(), p.best());
        });
        Path result = runDir.resolve("result.json");
        if (Files.exists(result)) {
            JsonObject r = object(result);
            if (r.has("valid"))
                for (Metric k : Metric.values()) if (r.getAsJsonObject("valid").has(k.key())) metric = k;
        }
        return new LearningCurves(label, train, valid, metric);
    }

    public boolean isEmpty() {
        return train.isEmpty() && valid.isEmpty();
    }

    /** The last step logged, or -1. */
    public long lastStep() {
        long t = train.isEmpty() ? -1 : train.lastKey();
        long v = valid.isEmpty() ? -1 : valid.lastKey();
        return Math.max(t, v);
    }

    /** The training time at the last training point, or NaN. */
    public double lastSeconds() {
        return train.isEmpty() ? Double.NaN : train.lastEntry().getValue().seconds();
    }

    /** The lowest validation loss of the final stage (the validations flagged best), or NaN. */
    public double validBest() {
        return valid.values().stream()
                .filter(Point::best)
                .mapToDouble(Point::loss)
                .min()
                .orElse(Double.NaN);
    }

    /** The records of a JSON lines file; a line cut short by a crash is skipped. */
    static List<JsonObject> lines(Path file) {
        if (!Files.exists(file)) return List.of();
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(LearningCurves::parseLine)
                    .filter(o -> o != null)
                    .toList();
        } catch (IOException e) {
            throw new TarflowException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** A whole JSON file's object; a file that is not one is an error naming it. */
    public static JsonObject object(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new TarflowException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static JsonObject parseLine(String line) {
        try {
            JsonElement e = line.isBlank() ? null : JsonParser.parseString(line);
            return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (JsonParseException e) {
            return null;
        }
    }

    private static double number(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsDouble() : Double.NaN;
    }

    private static String string(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : null;
    }
}
