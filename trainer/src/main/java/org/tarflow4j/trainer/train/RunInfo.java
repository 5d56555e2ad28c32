package org.tarflow4j.trainer.train;

import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.checkpoint.Checkpoint;

/**
 * What a checkpoint holds and where its run stands, read without loading the model (only the checkpoint's
 * {@code meta} record and the small files of its run directory): the components it needs and whether this host has
 * them, the step and progressive stage, the configuration as run, the corpus manifest it was trained on, and the last
 * metrics of its run.
 *
 * @param data       the corpus manifest; null when neither the checkpoint nor the run's result records it
 * @param dataFrom   where {@code data} was read: the checkpoint, or the run's {@code result.json}
 * @param lastTrain  the last training record of the run's {@code metrics.jsonl}; null when there is none
 * @param lastValid  the last validation record of {@code metrics.jsonl}; null when there is none
 * @param result     the run's {@code result.json} (final validation and test bounds); null before the run finished
 */
public record RunInfo(
        Path checkpoint,
        Checkpoint.Meta meta,
        List<Checkpoint.Availability> components,
        Map<String, Object> data,
        String dataFrom,
        Map<String, Object> lastTrain,
        Map<String, Object> lastValid,
        Map<String, Object> result) {

    /** Reads {@code checkpoint} (a .ckpt file) and, when it sits in a run directory, that run's metrics. */
    public static RunInfo read(Path checkpoint, PluginRegistry registry) {
        Checkpoint.Meta meta = Checkpoint.meta(checkpoint);
        List<Checkpoint.Availability> components = meta.provenance().components().stream()
                .map(use -> Checkpoint.availability(use, registry))
                .toList();
        RunDirectory run = new RunDirectory(checkpoint.toAbsolutePath().getParent());
        Map<String, Object> result = Files.isRegularFile(run.result()) ? object(run.result()) : null;
        Map<String, Object> lastTrain = null;
        Map<String, Object> lastValid = null;
        if (Files.isRegularFile(run.metrics())) {
            for (Map<String, Object> record : lines(run.metrics())) {
                if ("train".equals(record.get("split"))) lastTrain = record;
                if ("valid".equals(record.get("split"))) lastValid = record;
            }
        }
        Map<String, Object> data = meta.provenance().data();
        String dataFrom = data != null ? "checkpoint" : null;
        if (data == null && result != null && result.get("data") instanceof Map<?, ?> m) {
            data = cast(m);
            dataFrom = run.result().toString();
        }
        return new RunInfo(checkpoint, meta, components, data, dataFrom, lastTrain, lastValid, result);
    }

    /** Whether every component the checkpoint needs is here in a compatible version. */
    public boolean loadable() {
        return components.stream().allMatch(Checkpoint.Availability::usable);
    }

    /** Everything, as {@code tarflow info --json} prints it. */
    public Map<String, Object> toJson() {
        Checkpoint.Progress p = meta.progress();
        Checkpoint.Provenance v = meta.provenance();
        List<Map<String, Object>> parts = new ArrayList<>();
        for (Checkpoint.Availability a : components)
            parts.add(Json.object(
                    "kind", a.use().kind().label(),
                    "name", a.use().name(),
                    "version", a.use().version(),
                    "owner", a.use().owner(),
                    "installed", a.installed() == null ? null : a.installed().version(),
                    "origin", a.installed() == null ? null : a.installed().origin(),
                    "usable", a.usable(),
                    "problem", a.problem()));
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("last_train", lastTrain);
        metrics.put("last_valid", lastValid);
        metrics.put("result", result == null ? null : withoutData(result));
        return Json.object(
                "checkpoint", checkpoint.toString(),
                "format", meta.format(),
                "step", p.step(),
                "stage", p.stage(),
                "stage_start", p.stageStart(),
                "best_valid_nats_per_token", Double.isFinite(p.bestValid()) ? p.bestValid() : null,
                "training_seconds", p.seconds(),
                "written", v.written(),
                "tokenizer", v.tokenizer(),
                "vocab", v.vocab(),
                "seed", v.seed(),
                "loadable", loadable(),
                "components", parts,
                "config", v.config(),
                "data", data,
                "data_from", dataFrom,
                "metrics", metrics);
    }

    private static Map<String, Object> withoutData(Map<String, Object> result) {
        Map<String, Object> out = new LinkedHashMap<>(result);
        out.remove("data");
        return out;
    }

    private static Map<String, Object> object(Path file) {
        try {
            return cast(Json.plain(JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))));
        } catch (IOException | JsonParseException | ClassCastException e) {
            throw new TarflowException("cannot read " + file + ": " + e.getMessage()
                    + " (it is not the JSON 'tarflow train' writes; move it away to read the checkpoint alone)");
        }
    }

    private static List<Map<String, Object>> lines(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TarflowException("cannot read " + file + ": " + e.getMessage());
        }
        for (String line : lines) {
            if (line.isBlank()) continue;
            try {
                if (Json.plain(JsonParser.parseString(line)) instanceof Map<?, ?> m) out.add(cast(m));
            } catch (JsonParseException e) {
                // a line cut short by a crash: the records before it still count
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object m) {
        return (Map<String, Object>) m;
    }
}
