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
import org.tarflow4j.trainer.train.Trainer;
import org.tarflow4j.trainer.train.TrainingListener;
import org.tarflow4j.trainer.train.TrainingSetup;

/** The trainer's entry points, one per command. */
public final class Tarflow {
    private Tarflow() {}

    /** Reads and validates a configuration, builds its model (so every component checks its options), and returns it resolved as TOML. */
    public static String checkConfig(Path file, List<String> overrides, PluginRegistry registry) {
        return checkConfig(ConfigLoader.load(file, overrides), registry);
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
        TarflowConfig config = ConfigLoader.load(file, overrides);
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
        TarflowConfig config = ConfigLoader.parse(meta.provenance().config(), last.toString(), overrides);
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

    /** Evaluates a checkpoint on a split on the CPU; writes the result as JSON next to it and returns that JSON. */
    public static String evaluate(
            Path runOrCheckpoint, String split, int samples, List<String> overrides, PluginRegistry registry) {
        return evaluate(runOrCheckpoint, split, samples, overrides, registry, "cpu");
    }

    /**
     * Evaluates a checkpoint on a split, computing on {@code device} ({@code cpu}, {@code cuda}, {@code cuda:N});
     * writes the result as JSON next to it and returns that JSON.
     */
    public static String evaluate(
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
        Map<String, Object> out = Json.object(
                "checkpoint",
                loaded.checkpoint().toString(),
                "step",
                meta.progress().step(),
                "split",
                split,
                "device",
                loaded.model().placement().name());
        out.putAll(e.report(Metric.of(corpus.tokenizer().characterLevel())));
        out.put("data", corpus.manifest());
        String json = Json.pretty(out);
        AtomicFiles.write(loaded.checkpoint().resolveSibling("eval-" + split + "-k" + e.samples() + ".json"), json);
        return json;
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
        TarflowConfig config = ConfigLoader.parse(meta.provenance().config(), file.toString(), List.of());
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
        TarflowConfig config = ConfigLoader.parse(meta.provenance().config(), file.toString(), overrides);
        Placement placement = Devices.configure(config.train(), device, "--device " + device);
        LanguageModel model = TarflowModule.assembly(config, registry)
                .build(meta.provenance().vocab(), placement)
                .model();
        Checkpoint.restore(file, model.module(), null, placement);
        if (meta.progress().stage() > 0) model.stage(meta.progress().stage());
        return new LoadedModel(
                file, config, model, Tokenizer.named(meta.provenance().tokenizer()));
    }

    private static TrainingSetup setup(TarflowConfig config, PluginRegistry registry) {
        return TrainingSetup.of(config, TarflowModule.assembly(config, registry));
    }
}
