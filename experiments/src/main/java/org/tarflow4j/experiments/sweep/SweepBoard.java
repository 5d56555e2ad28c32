package org.tarflow4j.experiments.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tarflow4j.core.Metric;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.data.Corpus;
import org.tarflow4j.tensorboard.EventFileException;
import org.tarflow4j.tensorboard.EventReader;
import org.tarflow4j.tensorboard.HParam;
import org.tarflow4j.tensorboard.HParamMetric;
import org.tarflow4j.tensorboard.HParamsSummaries;
import org.tarflow4j.tensorboard.SessionStatus;
import org.tarflow4j.tensorboard.SummaryWriter;
import org.tarflow4j.tensorboard.proto.Event;
import org.tarflow4j.tensorboard.proto.Summary;
import org.tarflow4j.trainer.board.TensorBoardListener;

/**
 * A sweep in TensorBoard's HParams dashboard: the experiment (every swept axis but the seeds, with its values, and the
 * metrics to compare) in the sweep's directory, and each run's session in the run's {@code tb/} folder, beside the
 * trainer's own events, so that {@code tensorboard --logdir SWEEP_DIR} shows one row per run. The session's start
 * (its values) is written before the run trains and its end (finished or failed) after, each in an event file of its
 * own, so a run whose process dies still gets its status. Runs that differ only in their seeds form one group.
 */
final class SweepBoard {
    private final Plan plan;
    private final boolean enabled;
    private final SweepListener listener;

    /**
     * @param configs every run's configuration: the board is on when any run has {@code train.tensorboard} on
     */
    SweepBoard(Plan plan, List<TarflowConfig> configs, SweepListener listener) {
        this.plan = plan;
        this.enabled = configs.stream().anyMatch(c -> c.train().cadence().tensorboard());
        this.listener = listener;
    }

    /** Writes the HParams experiment into {@code directory}, unless an earlier start of the sweep did. */
    void experiment(Path directory, List<TarflowConfig> configs) {
        if (!enabled) return;
        if (Files.isDirectory(directory) && !EventReader.eventFiles(directory).isEmpty()) return;
        List<HParam> hparams = new ArrayList<>();
        for (Axis axis : plan.spec().axes())
            if (!axis.isSeed())
                hparams.add(new HParam(
                        axis.name(),
                        axis.points().stream().map(p -> value(axis, p.label())).toList(),
                        "",
                        String.join(", ", axis.keys())));
        write(directory, w -> w.hparamsExperiment(hparams, metrics(configs)));
    }

    /** A run's session starts: its values on every axis but the seeds. */
    void started(PlannedRun run, RunFiles files) {
        if (!enabled) return;
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> group = new ArrayList<>();
        boolean seeded = false;
        for (Axis axis : plan.spec().axes()) {
            String label = run.values().get(axis.name());
            if (axis.isSeed()) {
                seeded = true;
                continue;
            }
            values.put(axis.name(), value(axis, label));
            group.add(axis.name() + "=" + label);
        }
        String groupName = seeded ? String.join(", ", group) : "";
        write(TensorBoardListener.directory(files.run()), w -> w.hparamsSessionStart(values, groupName));
    }

    /**
     * A run's session ends: finished or failed, at its last step. A run that neither finished nor failed (its process
     * was killed) gets no end: TensorBoard keeps the first end a run has, and the run may yet finish.
     */
    void ended(RunFiles files) {
        if (!enabled) return;
        SessionStatus status =
                files.finished() ? SessionStatus.SUCCESS : files.failure() != null ? SessionStatus.FAILURE : null;
        if (status == null) return;
        long step = RunRecord.lastStep(files);
        write(TensorBoardListener.directory(files.run()), w -> w.hparamsSessionEnd(step, status));
    }

    /**
     * A run resumes from its checkpoint: the end an earlier attempt recorded (a failure) is removed, since TensorBoard
     * would keep it over the new one.
     */
    void resumed(RunFiles files) {
        Path dir = TensorBoardListener.directory(files.run());
        if (!enabled || !Files.isDirectory(dir)) return;
        for (Path file : EventReader.eventFiles(dir))
            try {
                if (onlySessionEnd(EventReader.readAvailable(file))) Files.delete(file);
            } catch (EventFileException | IOException e) {
                listener.message("TensorBoard: cannot remove the earlier session end " + file + ": " + e.getMessage());
            }
    }

    private static boolean onlySessionEnd(List<Event> events) {
        List<Summary.Value> values = events.stream()
                .filter(Event::hasSummary)
                .flatMap(e -> e.getSummary().getValueList().stream())
                .toList();
        return !values.isEmpty()
                && values.stream().allMatch(v -> v.getTag().equals(HParamsSummaries.SESSION_END_INFO_TAG));
    }

    /** The final bounds, the last validation and the training curve, in the metric of every corpus swept. */
    private static List<HParamMetric> metrics(List<TarflowConfig> configs) {
        Set<Metric> used = new LinkedHashSet<>();
        configs.stream()
                .map(TarflowConfig::data)
                .distinct()
                .forEach(d -> used.add(Metric.of(Corpus.open(d).tokenizer().characterLevel())));
        List<HParamMetric> out = new ArrayList<>();
        for (Metric m : used) {
            out.add(new HParamMetric("final/test_" + m.key(), "", "test " + m.label(), "the final test bound"));
            out.add(new HParamMetric("final/valid_" + m.key(), "", "valid " + m.label(), "the final validation bound"));
            out.add(new HParamMetric(
                    "valid/" + m.key(), "", "last periodic valid " + m.label(), "the last periodic validation"));
            out.add(new HParamMetric("train/" + m.key(), "", "train " + m.label(), "the last training point"));
        }
        return out;
    }

    /**
     * A point's label as TensorBoard compares it: numbers where every label of the axis is a number (so the dashboard
     * orders and scales them), booleans where every one is true or false, otherwise the text.
     */
    static Object value(Axis axis, String label) {
        List<String> labels = axis.points().stream().map(Axis.Point::label).toList();
        if (labels.stream().allMatch(l -> l.matches(NUMBER))) return Double.parseDouble(label);
        if (labels.stream().allMatch(l -> l.equals("true") || l.equals("false"))) return Boolean.parseBoolean(label);
        return label;
    }

    private static final String NUMBER = "[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?";

    private interface Writing {
        void to(SummaryWriter writer);
    }

    /** One small event file; one that cannot be written is reported, and the sweep goes on. */
    private void write(Path directory, Writing what) {
        try (SummaryWriter writer = SummaryWriter.open(directory)) {
            what.to(writer);
        } catch (EventFileException e) {
            listener.message("TensorBoard: " + e.getMessage());
        }
    }
}
