package org.tarflow4j.experiments.sweep;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tarflow4j.core.Metric;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.experiments.plot.LearningCurves;

/**
 * What a run directory says about a run: its state, its result, and its learning curves. Losses are in nats per
 * token; numbers the run does not have are NaN (or -1 for counts).
 *
 * @param unit          {@code bpc} or {@code ppl} as in result.json, null when the run has no result
 * @param seconds       training time over all of the run's attempts (the trainer counts it across resumes)
 * @param validBest     the lowest validation loss of the final model stage, the last full evaluation included
 * @param curves        the training and validation losses by step (the last attempt's value where attempts overlap)
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
        LearningCurves curves) {

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
        LearningCurves curves;
        try {
            curves = LearningCurves.read(files.root(), run.name());
        } catch (TarflowException e) {
            throw new SweepException(e.getMessage());
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
                    curves.train().isEmpty() ? -1 : curves.train().lastKey(),
                    curves.lastSeconds(),
                    Double.NaN,
                    null,
                    curves.validBest(),
                    Double.NaN,
                    Double.NaN,
                    curves);
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
                min(curves.validBest(), validNats),
                validNats,
                number(t, "nats_per_token"),
                curves);
    }

    /** The last step a run's directory records: its result's, or its last logged step (0 for none). */
    static long lastStep(RunFiles files) {
        if (files.finished()) return object(files.result()).get("steps").getAsLong();
        return Math.max(0, LearningCurves.read(files.root(), "").lastStep());
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

    private static JsonObject object(Path file) {
        try {
            return LearningCurves.object(file);
        } catch (TarflowException e) {
            throw new SweepException(e.getMessage());
        }
    }
}
