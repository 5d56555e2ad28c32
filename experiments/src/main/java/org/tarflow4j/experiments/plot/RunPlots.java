package org.tarflow4j.experiments.plot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tarflow4j.core.TarflowException;

/**
 * The learning curves of one or several training runs as PNGs: {@value #BY_STEP} (training and validation metric
 * against steps) and {@value #BY_TIME} (against training time). {@code tarflow plot} draws them for any runs, and
 * {@code tarflow train} for its run, into {@code RUN/plots/}.
 */
public final class RunPlots {
    /** A run's own plots go to this sub-folder. */
    public static final String FOLDER = "plots";

    public static final String BY_STEP = "learning-curves.png";
    public static final String BY_TIME = "learning-curves-time.png";

    private RunPlots() {}

    /** The folder a run's own plots go to. */
    public static Path folder(Path runDir) {
        return runDir.resolve(FOLDER);
    }

    /**
     * Draws the runs' curves into {@code out}; returns the files written.
     *
     * @throws TarflowException if a directory is not a run directory, or no run has logged a step yet
     */
    public static List<Path> write(List<Path> given, Path out) {
        if (given.isEmpty()) throw new TarflowException("no run directory given; name one or more");
        List<Path> runDirs = given.stream()
                .map(d -> d.toAbsolutePath().normalize())
                .distinct()
                .toList();
        List<LearningCurves> runs = new ArrayList<>();
        List<String> labels = labels(runDirs);
        for (int i = 0; i < runDirs.size(); i++) {
            Path dir = runDirs.get(i);
            if (!Files.exists(dir.resolve("metrics.jsonl")))
                throw new TarflowException(dir + " is not a run directory: it has no metrics.jsonl (written by"
                        + " 'tarflow train' as it trains); give the run's directory");
            runs.add(LearningCurves.read(dir, labels.get(i)));
        }
        if (runs.stream().allMatch(LearningCurves::isEmpty))
            throw new TarflowException(
                    "no learning curve to draw: " + String.join(", ", labels) + " logged no step yet");
        String title = "Learning curves: " + (runs.size() == 1 ? labels.get(0) : runs.size() + " runs");
        return List.of(
                Charts.save(LearningCurveChart.of(title, runs, LearningCurveChart.Against.STEPS), out.resolve(BY_STEP)),
                Charts.save(LearningCurveChart.of(title, runs, LearningCurveChart.Against.TIME), out.resolve(BY_TIME)));
    }

    /** Each run by its directory's name, or with its parent's where two share a name; numbered if still alike. */
    private static List<String> labels(List<Path> runDirs) {
        List<String> names = runDirs.stream().map(RunPlots::name).toList();
        if (new HashSet<>(names).size() < names.size())
            names = runDirs.stream()
                    .map(d -> d.getParent() == null ? name(d) : name(d.getParent()) + "/" + name(d))
                    .toList();
        Set<String> seen = new HashSet<>();
        List<String> out = new ArrayList<>();
        for (String n : names) {
            String label = n;
            for (int i = 2; !seen.add(label); i++) label = n + " (" + i + ")";
            out.add(label);
        }
        return out;
    }

    private static String name(Path dir) {
        Path n = dir.toAbsolutePath().normalize().getFileName();
        return n == null ? dir.toString() : n.toString();
    }
}
