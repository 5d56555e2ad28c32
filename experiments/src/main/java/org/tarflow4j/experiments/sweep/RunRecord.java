package org.tarflow4j.experiments.sweep;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.tarflow4j.core.Metric;

/**
 * What a run directory says about a run: its state, its result, and its learning curves. Losses are in nats per
 * token; numbers the run does not have are NaN (or -1 for counts).
 *
 * @param unit          {@code bpc} or {@code ppl} as in result.json, null when the run has no result
 * @param seconds       training time over all of the run's attempts (the trainer counts it across resumes)
 * @param validBest     the lowest validation loss of the final model stage, the last full evaluation included
 * @param trainCurve    the training loss by step (the last attempt's value where attempts overlap)
 * @param validCurve    the validation loss by step
 */
record RunRecord(
        PlannedRun run,
        Status status,
        String reason,
        long parameters,
        long steps,
        double seconds,
        double tokensPerSecond,
        String unit,
        double validBest,
        double valid,
        double test,
        NavigableMap<Long, Double> trainCurve,
        NavigableMap<Long, Double> validCurve) {

    enum Status {
        FINISHED("finished"),
        FAILED("failed"),
        UNFINISHED("unfinished"),
        NOT_STARTED("not started");

        final String label;

        Status(String label) {
            this.label = label;
        }
    }

    static RunRecord read(Path sweepDirectory, PlannedRun run) {
        RunFiles files = new RunFiles(sweepDirectory.resolve(run.name()));
        NavigableMap<Long, Double> train = new TreeMap<>();
        NavigableMap<Long, Double> valid = new TreeMap<>();
        double best = Double.NaN;
        double seconds = Double.NaN;
        for (JsonObject m : lines(files.metrics())) {
            if ("train".equals(string(m, "split"))) {
                train.put(m.get("step").getAsLong(), number(m, "loss"));
                seconds = number(m, "seconds");
            } else if ("valid".equals(string(m, "split"))) {
                valid.put(m.get("step").getAsLong(), number(m, "loss"));
                if (m.has("best") && m.get("best").getAsBoolean()) best = min(best, number(m, "loss"));
            }
        }
        JsonObject result = files.finished() ? object(files.result()) : null;
        String failure = files.failure();
        Status status = result != null
                ? Status.FINISHED
                : failure != null
                        ? Status.FAILED
                        : Files.exists(files.metrics()) || Files.exists(files.checkpoint())
                                ? Status.UNFINISHED
                                : Status.NOT_STARTED;
        if (result == null)
            return new RunRecord(
                    run,
                    status,
                    failure,
                    -1,
                    train.isEmpty() ? -1 : train.lastKey(),
                    seconds,
                    Double.NaN,
                    null,
                    best,
                    Double.NaN,
                    Double.NaN,
                    train,
                    valid);
        JsonObject v = result.getAsJsonObject("valid");
        JsonObject t = result.getAsJsonObject("test");
        double validNats = number(v, "nats_per_token");
        return new RunRecord(
                run,
                status,
                null,
                result.get("parameters").getAsLong(),
                result.get("steps").getAsLong(),
                number(result, "seconds"),
                number(result, "tokens_per_s"),
                v.has(Metric.BPC.key()) ? Metric.BPC.key() : Metric.PPL.key(),
                min(best, validNats),
                validNats,
                number(t, "nats_per_token"),
                train,
                valid);
    }

    /** Nats per token in {@code unit}: a {@link Metric}'s key, or {@code nats} when no run reported one. */
    static double in(String unit, double nats) {
        return unit.equals(NATS) ? nats : Metric.ofKey(unit).of(nats);
    }

    /** The unit of a sweep none of whose runs has a result yet. */
    static final String NATS = "nats";

    private static double min(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.min(a, b);
    }

    private static double number(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsDouble() : Double.NaN;
    }

    private static String string(JsonObject o, String key) {
        return o.has(key) ? o.get(key).getAsString() : null;
    }

    /** The records of a JSON lines file; a line cut short by a crash is skipped. */
    private static List<JsonObject> lines(Path file) {
        if (!Files.exists(file)) return List.of();
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(RunRecord::parseLine)
                    .filter(o -> o != null)
                    .toList();
        } catch (IOException e) {
            throw new SweepException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static JsonObject parseLine(String line) {
        try {
            return line.isBlank() ? null : JsonParser.parseString(line).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            return null;
        }
    }

    private static JsonObject object(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new SweepException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
