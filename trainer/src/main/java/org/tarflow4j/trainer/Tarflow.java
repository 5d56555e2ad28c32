package org.tarflow4j.trainer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.Metric;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.data.Corpus;
import org.tarflow4j.data.Tokenizer;
import org.tarflow4j.trainer.assembly.ModelAssembly;
import org.tarflow4j.trainer.assembly.TarflowModule;
import org.tarflow4j.trainer.board.TensorBoardListener;
import org.tarflow4j.trainer.checkpoint.Checkpoint;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.export.Weights;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.train.Devices;
import org.tarflow4j.trainer.train.Evaluator;
import org.tarflow4j.trainer.train.RunDirectory;
import org.tarflow4j.trainer.train.RunInfo;
import org.tarflow4j.trainer.train.Trainer;
import org.tarflow4j.trainer.train.TrainingListener;
import org.tarflow4j.trainer.train.TrainingSetup;

/** The trainer's entry points, one per command. */
public final class Tarflow {
    private Tarflow() {}

    /**
     * Reads a configuration ({@code file}, or the built-in default when null) and applies the overrides; components
     * are named as the registry knows them (the paper's {@code Mix-1} becomes {@code mog}). Its {@code notes()} say
     * what the overrides did that the user should hear of.
     */
    public static TarflowConfig config(Path file, List<String> overrides, PluginRegistry registry) {
        return ConfigLoader.load(file, overrides, registry);
    }

    /** Reads and validates a configuration, builds its model (so every component checks its options), and returns it resolved as TOML. */
    public static String checkConfig(Path file, List<String> overrides, PluginRegistry registry) {
        return checkConfig(config(file, overrides, registry), registry);
    }

    /** Builds the model of a configuration, so every component checks its options, and returns it resolved as TOML. */
    public static String checkConfig(TarflowConfig config, PluginRegistry registry) {
        ModelAssembly.Built built = TarflowModule.assembly(config, registry)
                .build(Corpus.open(config.data()).tokenizer().vocabSize());
        return config.toToml(built.options());
    }

    /** Trains a new model. */
    public static Trainer.Outcome train(
            Path file,
            List<String> overrides,
            Path runDir,
            Path runs,
            PluginRegistry registry,
            TrainingListener listener) {
        TarflowConfig config = config(file, overrides, registry);
        config.notes().forEach(listener::note);
        RunDirectory run = runDir != null
                ? new RunDirectory(runDir)
                : RunDirectory.fresh(runs, config.model().kind());
        return train(config, run, registry, listener);
    }

    /** Trains a new model of {@code config} into {@code run}. */
    public static Trainer.Outcome train(
            TarflowConfig config, RunDirectory run, PluginRegistry registry, TrainingListener listener) {
        return train(setup(config, registry), run, null, listener);
    }

    /** Continues the run in {@code runDir} from its last checkpoint; overrides apply to the configuration it was started with. */
    public static Trainer.Outcome resume(
            Path runDir, List<String> overrides, PluginRegistry registry, TrainingListener listener) {
        Path last = RunDirectory.checkpoint(runDir);
        Checkpoint.Meta meta = Checkpoint.meta(last);
        Checkpoint.checkComponents(last, meta, registry);
        TarflowConfig config = ConfigLoader.parse(meta.provenance().config(), last.toString(), overrides, registry);
        config.notes().forEach(listener::note);
        return train(setup(config, registry), new RunDirectory(last.getParent()), meta, listener);
    }

    /**
     * Trains from scratch or from {@code resume}, reporting to {@code listener} and, unless {@code train.tensorboard}
     * is off, to TensorBoard event files in the run's {@code tb/} folder.
     */
    private static Trainer.Outcome train(
            TrainingSetup setup, RunDirectory run, Checkpoint.Meta resume, TrainingListener listener) {
        try (TensorBoardListener board = TensorBoardListener.of(setup, run, listener)) {
            return new Trainer(setup, run, TrainingListener.all(listener, board)).train(resume);
        }
    }

    /**
     * An evaluation of a checkpoint, as {@link #evaluate} wrote it.
     *
     * @param json   where the JSON report was written (next to the checkpoint)
     * @param report the JSON report
     * @param notes  what the overrides did that the user should hear of
     */
    public record Evaluated(
            Path checkpoint,
            long step,
            Evaluator.Evaluation evaluation,
            Metric metric,
            Path json,
            String report,
            List<String> notes) {}

    /** Evaluates a checkpoint on a split and writes the result as JSON next to it. */
    public static Evaluated evaluate(
            Path runOrCheckpoint, String split, int samples, List<String> overrides, PluginRegistry registry) {
        return evaluate(runOrCheckpoint, split, samples, overrides, registry, "cpu");
    }

    /**
     * Evaluates a checkpoint on a split, computing on {@code device} ({@code cpu}, {@code cuda}, {@code cuda:N});
     * writes the result as JSON next to it.
     */
    public static Evaluated evaluate(
            Path runOrCheckpoint,
            String split,
            int samples,
            List<String> overrides,
            PluginRegistry registry,
            String device) {
        Path file = RunDirectory.checkpoint(runOrCheckpoint);
        Checkpoint.Meta meta = Checkpoint.meta(file);
        LoadedModel loaded = load(file, meta, overrides, registry, device);
        TarflowConfig config = loaded.config();
        Corpus corpus = Corpus.open(config.data());
        if (!corpus.tokenizer().name().equals(loaded.tokenizer().name()))
            throw new TarflowException("checkpoint " + loaded.checkpoint() + " was trained with the tokenizer '"
                    + loaded.tokenizer().name() + "', but the corpus "
                    + config.data().source() + " uses '"
                    + corpus.tokenizer().name() + "'; evaluate on a corpus of the same tokenizer");
        int k = samples > 0 ? samples : config.eval().samples();
        Evaluator.Evaluation e = Evaluator.evaluate(
                loaded.model(),
                loaded.heldOut(corpus, split),
                split,
                k,
                config.eval().maxBatches(),
                config.train().seed());
        Metric metric = Metric.of(corpus.tokenizer().characterLevel());
        Map<String, Object> out = Json.object(
                "checkpoint",
                loaded.checkpoint().toString(),
                "step",
                meta.progress().step(),
                "split",
                split,
                "device",
                loaded.model().placement().name());
        out.putAll(e.report(metric));
        out.put("data", corpus.manifest());
        String json = Json.pretty(out);
        Path written = loaded.checkpoint().resolveSibling("eval-" + split + "-k" + e.samples() + ".json");
        AtomicFiles.write(written, json);
        return new Evaluated(loaded.checkpoint(), meta.progress().step(), e, metric, written, json, config.notes());
    }

    /**
     * What a run directory or checkpoint holds, read without loading the model: the components and versions it needs
     * (and whether this host has them), where training stands, its configuration, the corpus it was trained on and
     * the last metrics of its run.
     */
    public static RunInfo info(Path runOrCheckpoint, PluginRegistry registry) {
        return RunInfo.read(RunDirectory.checkpoint(runOrCheckpoint), registry);
    }

    /**
     * Writes the model of a checkpoint as safetensors (every tensor under its libtorch name) with its configuration and
     * component versions; {@code out} null writes {@code NAME.safetensors} next to the checkpoint {@code NAME.ckpt}.
     */
    public static Weights.Exported export(Path runOrCheckpoint, String format, Path out, PluginRegistry registry) {
        if (!format.equals("safetensors"))
            throw new TarflowException("--format " + format + ": tarflow4j exports safetensors (--format safetensors)");
        Path file = RunDirectory.checkpoint(runOrCheckpoint);
        Checkpoint.Meta meta = Checkpoint.meta(file);
        Checkpoint.checkComponents(file, meta, registry);
        TarflowConfig config = ConfigLoader.parse(meta.provenance().config(), file.toString(), List.of(), registry);
        Devices.configure(config.train(), "cpu", "export");
        ModelAssembly.Built built =
                TarflowModule.assembly(config, registry).build(meta.provenance().vocab());
        Checkpoint.restore(file, built.model().module(), null, Placement.CPU);
        String name = file.getFileName().toString().replaceFirst("\\.ckpt$", "");
        return Weights.export(
                built, config, meta, file, out != null ? out : file.resolveSibling(name + ".safetensors"));
    }

    /** Reads a file written by {@link #export} into a new run directory's {@code last.ckpt}. */
    public static Weights.Imported importWeights(Path file, Path runDir, PluginRegistry registry) {
        return Weights.importInto(file, new RunDirectory(runDir), registry);
    }

    /**
     * Loads a checkpoint onto the CPU for sampling, the multi-pass view and editing: its model in evaluation mode
     * (with the layers of its progressive stage), its configuration (overrides applied) and its tokenizer.
     */
    public static LoadedModel load(Path runOrCheckpoint, List<String> overrides, PluginRegistry registry) {
        return load(runOrCheckpoint, overrides, registry, "cpu");
    }

    /**
     * Loads a checkpoint onto {@code device} ({@code cpu}, {@code cuda}, {@code cuda:N}), whatever device it was
     * trained on: where a model runs is chosen when it is used, not recorded with it.
     */
    public static LoadedModel load(
            Path runOrCheckpoint, List<String> overrides, PluginRegistry registry, String device) {
        Path file = RunDirectory.checkpoint(runOrCheckpoint);
        return load(file, Checkpoint.meta(file), overrides, registry, device);
    }

    /** Loads {@code file} whose description {@code meta} was read already (reading it opens the whole checkpoint). */
    private static LoadedModel load(
            Path file, Checkpoint.Meta meta, List<String> overrides, PluginRegistry registry, String device) {
        Checkpoint.checkComponents(file, meta, registry);
        TarflowConfig config = ConfigLoader.parse(meta.provenance().config(), file.toString(), overrides, registry);
        Placement placement = Devices.configure(config.train(), device, "--device " + device);
        ModelAssembly.Built built =
                TarflowModule.assembly(config, registry).build(meta.provenance().vocab(), placement);
        sameComponents(file, meta, built, config);
        LanguageModel model = built.model();
        Checkpoint.restore(file, model.module(), null, placement);
        if (meta.progress().stage() > 0) model.stage(meta.progress().stage());
        return new LoadedModel(
                file, config, model, Tokenizer.named(meta.provenance().tokenizer()));
    }

    /** A trained model keeps its components: an override that swaps one is an error naming it. */
    private static void sameComponents(
            Path file, Checkpoint.Meta meta, ModelAssembly.Built built, TarflowConfig config) {
        List<ModelAssembly.ComponentUse> trained = meta.provenance().components();
        for (ModelAssembly.ComponentUse now : built.components()) {
            ModelAssembly.ComponentUse then = trained.stream()
                    .filter(u -> u.kind() == now.kind() && u.owner().equals(now.owner()))
                    .findFirst()
                    .orElse(null);
            if (then == null)
                throw new TarflowException("checkpoint " + file + " has no "
                        + now.kind().label() + " for " + now.owner()
                        + ", which its configuration now asks for ("
                        + String.join(
                                ", ",
                                new java.util.LinkedHashSet<>(config.origins().values()))
                        + "); a trained model keeps its layout: drop that --set, or train a new model");
            if (!then.name().equals(now.name()))
                throw new TarflowException("checkpoint " + file + " was trained with the "
                        + now.kind().label() + " '"
                        + then.name() + "' for " + now.owner() + ", but its configuration now asks for '" + now.name()
                        + "' (" + config.sourceOf(now.owner() + "." + now.kind().label())
                        + "); a trained model keeps its components: drop that --set, or train a new model");
        }
    }

    private static TrainingSetup setup(TarflowConfig config, PluginRegistry registry) {
        return TrainingSetup.of(config, TarflowModule.assembly(config, registry));
    }
}
