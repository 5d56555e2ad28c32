package org.tarflow4j.trainer.board;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.tarflow4j.core.Metric;
import org.tarflow4j.tensorboard.EventFileException;
import org.tarflow4j.tensorboard.Markdown;
import org.tarflow4j.tensorboard.SummaryWriter;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.sample.Trace;
import org.tarflow4j.trainer.train.Evaluator;
import org.tarflow4j.trainer.train.RunDirectory;
import org.tarflow4j.trainer.train.Trainer;
import org.tarflow4j.trainer.train.TrainingListener;
import org.tarflow4j.trainer.train.TrainingSetup;

/**
 * Writes a training run into TensorBoard event files in {@code RUN/tb/} ({@value #FOLDER}): the resolved
 * configuration, the training curves every {@code train.log_every} steps, every validation with what {@link
 * ModelProbe} measures inside the model, and the final bounds. The writer opens when the run starts, so a process that
 * is not told the run started (a data-parallel rank other than 0) writes nothing. A file that cannot be written is
 * reported once as a warning and training goes on without it.
 *
 * <p>Scalars at a logging step are means over the steps since the last one (skipped steps left out, and counted).
 */
public final class TensorBoardListener implements TrainingListener, AutoCloseable {
    /** The run's sub-folder that holds its event files; TensorBoard names the run after it ({@code RUN/tb}). */
    public static final String FOLDER = "tb";

    private final boolean enabled;
    private final Path directory;
    private final String config;
    private final Metric metric;
    private final int logEvery;
    private final Supplier<ModelProbe> probes;
    private final TrainingListener warnings;
    private ModelProbe probe;
    private SummaryWriter writer;
    private long totalSteps;
    private final Interval interval = new Interval();

    private TensorBoardListener(
            boolean enabled,
            Path directory,
            String config,
            Metric metric,
            int logEvery,
            Supplier<ModelProbe> probes,
            TrainingListener warnings) {
        this.enabled = enabled;
        this.directory = directory;
        this.config = config;
        this.metric = metric;
        this.logEvery = logEvery;
        this.probes = probes;
        this.warnings = warnings;
    }

    /**
     * The listener of a run set up by {@code setup}; with {@code train.tensorboard = false} it writes nothing.
     *
     * @param warnings told when the event file cannot be written
     */
    public static TensorBoardListener of(TrainingSetup setup, RunDirectory run, TrainingListener warnings) {
        var c = setup.config();
        boolean enabled = c.train().cadence().tensorboard();
        return new TensorBoardListener(
                enabled,
                directory(run),
                enabled ? c.toToml(setup.built().options()) : "",
                Metric.of(setup.corpus().tokenizer().characterLevel()),
                c.train().cadence().logEvery(),
                () -> new ModelProbe(
                        setup.corpus().split("valid"),
                        c.model().context(),
                        setup.model().patch(),
                        c.train().seed()),
                warnings);
    }

    /** Where the event files of {@code run} go. */
    public static Path directory(RunDirectory run) {
        return run.root().resolve(FOLDER);
    }

    @Override
    public void started(long startStep, long totalSteps, long parameters, String runDirectory) {
        this.totalSteps = totalSteps;
        if (!enabled) return;
        probe = probes.get(); // the trainer has checked the splits by now
        try {
            writer = SummaryWriter.open(directory);
        } catch (EventFileException e) {
            warnings.warning("TensorBoard: " + e.getMessage() + "; training goes on without event files");
            return;
        }
        if (startStep == 0) write(() -> writer.config(config));
    }

    @Override
    public void step(Step step) {
        if (writer == null) return;
        interval.add(step);
        if (step.step() % logEvery != 0 && step.step() != totalSteps) return;
        Map<String, Double> scalars = interval.means(metric);
        interval.clear();
        write(() -> writer.scalars(step.step(), scalars));
    }

    @Override
    public void validated(long step, Evaluator.Evaluation result, boolean best, LoadedModel model) {
        if (writer == null) return;
        long started = System.nanoTime();
        ModelProbe.Findings found;
        try {
            found = probe.measure(model);
        } catch (RuntimeException e) {
            warnings.warning("TensorBoard: the samples and the multi-pass view of step " + step + " failed (" + e
                    + "); the event file gets the validation bound alone");
            found = new ModelProbe.Findings(List.of(), List.of(), Map.of(), Map.of());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        ModelProbe.Findings measured = found;
        write(() -> {
            Map<String, Double> scalars = new LinkedHashMap<>();
            scalars.put("valid/loss", result.natsPerToken());
            scalars.put("valid/" + metric.key(), metric.of(result.natsPerToken()));
            scalars.putAll(measured.scalars());
            scalars.put("time/probe_seconds", seconds);
            writer.scalars(step, finite(scalars));
            if (!measured.samples().isEmpty()) writer.text("samples", step, samples(measured.samples()));
            if (!measured.trace().isEmpty()) writer.text("trace", step, trace(measured.trace()));
            measured.histograms().forEach((tag, values) -> {
                double[] kept = Arrays.stream(values).filter(Double::isFinite).toArray();
                if (kept.length > 0) writer.histogram(tag, step, kept);
            });
        });
    }

    @Override
    public void stage(int stage, long step) {
        write(() -> writer.scalar("train/progressive_stage", step, stage));
    }

    @Override
    public void finished(Trainer.Outcome outcome) {
        write(() -> {
            Map<String, Double> scalars = new LinkedHashMap<>();
            for (Evaluator.Evaluation e : List.of(outcome.valid(), outcome.test())) {
                scalars.put("final/" + e.split() + "_loss", e.natsPerToken());
                scalars.put("final/" + e.split() + "_" + metric.key(), metric.of(e.natsPerToken()));
            }
            writer.scalars(outcome.steps(), finite(scalars));
        });
        close();
    }

    /** Flushes and closes the event file; later calls do nothing. */
    @Override
    public void close() {
        SummaryWriter open = writer;
        writer = null;
        if (open == null) return;
        try {
            open.close();
        } catch (EventFileException e) {
            warnings.warning("TensorBoard: " + e.getMessage());
        }
    }

    /** Runs {@code action} on the open writer; a failure is reported once, and nothing is written after it. */
    private void write(Runnable action) {
        if (writer == null) return;
        try {
            action.run();
        } catch (EventFileException e) {
            warnings.warning("TensorBoard: " + e.getMessage() + "; training goes on without event files");
            SummaryWriter broken = writer;
            writer = null;
            if (broken != null) {
                try {
                    broken.close();
                } catch (EventFileException ignored) {
                    // already reported
                }
            }
        }
    }

    private String samples(List<String> samples) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < samples.size(); i++)
            text.append(i + 1)
                    .append(": ")
                    .append(samples.get(i).replace("\n", "\\n"))
                    .append('\n');
        return Markdown.codeBlock(text.toString(), "");
    }

    /** The multi-pass view as a fixed-width table: each latent's statistics and the text it decodes to. */
    private static String trace(List<Trace.Layer> layers) {
        StringBuilder text = new StringBuilder(String.format(
                Locale.ROOT, "%-6s %7s %7s %7s %7s  %s%n", "latent", "norm", "cosine", "PR", "shift", "decoded"));
        for (Trace.Layer l : layers)
            text.append(String.format(
                    Locale.ROOT,
                    "%-6s %7.3f %7.3f %7.2f %7s  %s%n",
                    l.name(),
                    l.meanNorm(),
                    l.meanCosine(),
                    l.participationRatio(),
                    l.centroidShift() == null ? "" : String.format(Locale.ROOT, "%.3f", l.centroidShift()),
                    l.texts().get(0).replace("\n", "\\n")));
        return Markdown.codeBlock(text.toString(), "");
    }

    private static Map<String, Double> finite(Map<String, Double> scalars) {
        Map<String, Double> out = new LinkedHashMap<>();
        scalars.forEach((tag, value) -> {
            if (Double.isFinite(value)) out.put(tag, value);
        });
        return out;
    }

    /** The steps since the last logging step. */
    private static final class Interval {
        private int steps;
        private int skipped;
        private double loss;
        private double gradientNorm;
        private Step last;

        void add(Step step) {
            steps++;
            last = step;
            if (step.skipped()) {
                skipped++;
                return;
            }
            loss += step.loss();
            gradientNorm += step.gradientNorm();
        }

        Map<String, Double> means(Metric metric) {
            Map<String, Double> out = new LinkedHashMap<>();
            int applied = steps - skipped;
            if (applied > 0) {
                out.put("train/loss", loss / applied);
                out.put("train/" + metric.key(), metric.of(loss / applied));
                out.put("train/gradient_norm", gradientNorm / applied);
            }
            out.put("train/learning_rate", last.learningRate());
            out.put("train/tokens_per_second", last.tokensPerSecond());
            out.put("train/skipped_steps", (double) skipped);
            return out;
        }

        void clear() {
            steps = 0;
            skipped = 0;
            loss = 0;
            gradientNorm = 0;
        }
    }
}
