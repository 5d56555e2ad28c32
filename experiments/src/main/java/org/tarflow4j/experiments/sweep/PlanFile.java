package org.tarflow4j.experiments.sweep;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.TarflowException;

/**
 * {@code SWEEP_DIR/sweep.json}: the axes and the runs of a sweep, from which {@code tarflow sweep report} rebuilds
 * the tables and plots.
 */
record PlanFile(int format, String name, String base, List<AxisColumn> axes, List<PlannedRun> runs) {
    static final String FILE = "sweep.json";
    static final int FORMAT = 1;
    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** An axis as the tables and plots show it. */
    record AxisColumn(String name, List<String> keys, List<String> labels, boolean seed) {}

    static void write(Path directory, Plan plan) {
        List<AxisColumn> axes = plan.spec().axes().stream()
                .map(a -> new AxisColumn(
                        a.name(),
                        a.keys(),
                        a.points().stream().map(Axis.Point::label).toList(),
                        a.isSeed()))
                .toList();
        AtomicFiles.write(
                directory.resolve(FILE),
                GSON.toJson(new PlanFile(FORMAT, plan.spec().name(), plan.spec().baseSource(), axes, plan.runs())));
    }

    static PlanFile read(Path directory) {
        Path file = directory.resolve(FILE);
        if (!Files.exists(file))
            throw new TarflowException(
                    directory + " is not a sweep directory: it has no " + FILE + " (written when a sweep starts)");
        try {
            PlanFile plan = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), PlanFile.class);
            if (plan == null || plan.format != FORMAT || plan.runs == null || plan.axes == null)
                throw new TarflowException(file + " is not a sweep plan of format " + FORMAT
                        + " (written by another version of tarflow4j?)");
            return plan;
        } catch (IOException | JsonParseException e) {
            throw new TarflowException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
