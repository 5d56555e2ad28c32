package org.tarflow4j.trainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
import org.tarflow4j.trainer.checkpoint.EvaluationOverrides;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.export.Weights;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.train.Devices;
import org.tarflow4j.trainer.train.Evaluator;
import org.tarflow4j.trainer.train.ResumeCheck;
import org.tarflow4j.trainer.train.ResumeCommand;
import org.tarflow4j.trainer.train.RunDirectory;
import org.tarflow4j.trainer.train.RunLock;
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

    /** Trains a new model into a run directory that holds no run yet. */
    public static Trainer.Outcome train(
            Path file,
            List<String> overrides,
            Path runDir,
            Path runs,
            PluginRegistry registry,
            TrainingListener listener) {
        return train(file, overrides, runDir, runs, false, registry, listener);
    }

    /**
     * Trains a new model. The run directory is locked while it trains ({@link RunLock}); one that holds a run already
     * is refused, unless {@code overwrite}, which deletes that run's files first (and says which).
     */
    public static Trainer.Outcome train(
            Path file,
            List<String> overrides,
            Path runDir,
            Path runs,
            boolean overwrite,
            PluginRegistry registry,
            TrainingListener listener) {
        TarflowConfig config = ConfigLoader.load(file, overrides);
        RunDirectory run = runDir != null
                ? new RunDirectory(runDir)
                : RunDirectory.fresh(runs, config.model().kind());
        boolean existed = Files.exists(run.root());
        try (RunLock lock = RunLock.acquire(run.root(), listener::warning)) {
            run.startNew(file, overwrite, listener::warning);
            return train(setup(config, registry), run, null, listener, ResumeCommand.of(run.root(), registry));
        } finally {
            if (!existed) RunLock.removeIfUnused(run.root());
        }
    }

    /** Trains a new model of {@code config} into {@code run}, which must hold no run yet. */
    public static Trainer.Outcome train(
            TarflowConfig config, RunDirectory run, PluginRegistry registry, TrainingListener listener) {
        try (RunLock lock = RunLock.acquire(run.root(), listener::warning)) {
            run.startNew(null, false, listener::warning);
            return train(setup(config, registry), run, null, listener, ResumeCommand.of(run.root(), registry));
        }
    }

    /**
     * Continues the run in {@code runDir} from its last checkpoint; overrides apply to the configuration it was started
     * with. The directory is locked while it trains; its {@code config.toml} must describe the checkpoint's model, and
     * the run must not be finished ({@link ResumeCheck}); temporaries of a write that did not finish are removed.
     */
    public static Trainer.Outcome resume(
            Path runDir, List<String> overrides, PluginRegistry registry, TrainingListener listener) {
        if (!Files.exists(runDir))
            throw new TarflowException("--resume " + runDir + ": no such run directory; give the directory of a run"
                    + " that 'tarflow train' started");
        Path root = Files.isDirectory(runDir) ? runDir : runDir.toAbsolutePath().getParent();
        try (RunLock lock = RunLock.acquire(root, listener::warning)) {
            RunDirectory run = new RunDirectory(root);
            run.removeStaleTemporaries(listener::warning);
            Path last = RunDirectory.checkpoint(runDir);
            Checkpoint.Meta meta = Checkpoint.meta(last);
            Checkpoint.checkComponents(last, meta, registry);
            ResumeCheck.requireSameConfig(run, last, meta.provenance().config());
            TarflowConfig config = ConfigLoader.parse(meta.provenance().config(), last.toString(), overrides);
            ResumeCheck.requireUnfinished(run, meta, config);
            return train(setup(config, registry), run, meta, listener, ResumeCommand.of(root, registry));
        }
    }

    /**
     * Trains from scratch or from {@code resume}, reporting to {@code listener} and, unless {@code train.tensorboard}
     * is off, to TensorBoard event files in the run's {@code tb/} folder.
     */
    private static Trainer.Outcome train(
            TrainingSetup setup,
            RunDirectory run,
            Checkpoint.Meta resume,
            TrainingListener listener,
            String resumeCommand) {
        try (TensorBoardListener board = TensorBoardListener.of(setup, run, listener)) {
            return new Trainer(setup, run, TrainingListener.all(listener, board), resumeCommand).train(resume);
        }
    }

    /**
     * Evaluates a checkpoint on a split; writes the result as JSON next to it and returns that JSON. When the JSON
     * cannot be written (a full disk), the {@link ResultNotSaved} thrown carries it, so it can still be shown.
     *
     * @param samples latent samples per sequence, 0 for {@code eval.samples}
     */
    public static String evaluate(
            Path runOrCheckpoint, String split, int samples, List<String> overrides, PluginRegistry registry) {
        if (!Corpus.SPLITS.contains(split))
            throw new TarflowException("--split " + split + ": there is no such split; the splits are "
                    + String.join(", ", Corpus.SPLITS));
        if (samples < 0)
            throw new TarflowException("--samples " + samples + ": give the number of latent samples per sequence,"
                    + " at least 1 (1 is the ELBO)");
        Path file = RunDirectory.checkpoint(runOrCheckpoint);
        Checkpoint.Meta meta = Checkpoint.meta(file);
        LoadedModel loaded = load(file, meta, overrides, registry);
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
                split);
        out.putAll(e.report(Metric.of(corpus.tokenizer().characterLevel())));
        out.put("data", corpus.manifest());
        String json = Json.pretty(out);
        try {
            AtomicFiles.write(loaded.checkpoint().resolveSibling("eval-" + split + "-k" + e.samples() + ".json"), json);
        } catch (TarflowException notSaved) {
            throw new ResultNotSaved(notSaved.getMessage(), json);
        }
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
        Devices.configure(config.train());
        ModelAssembly.Built built =
                TarflowModule.assembly(config, registry).build(meta.provenance().vocab());
        Checkpoint.restore(file, built.model().module(), null);
        String name = file.getFileName().toString().replaceFirst("\\.ckpt$", "");
        return Weights.export(
                built, config, meta, file, out != null ? out : file.resolveSibling(name + ".safetensors"));
    }

    /** Reads a file written by {@link #export} into a new run directory's {@code last.ckpt}. */
    public static Weights.Imported importWeights(Path file, Path runDir, PluginRegistry registry) {
        return Weights.importInto(file, new RunDirectory(runDir), registry);
    }

    /**
     * Loads a checkpoint for sampling, the multi-pass view and editing: its model in evaluation mode (with the layers
     * of its progressive stage), its configuration (overrides applied) and its tokenizer.
     */
    public static LoadedModel load(Path runOrCheckpoint, List<String> overrides, PluginRegistry registry) {
        Path file = RunDirectory.checkpoint(runOrCheckpoint);
        return load(file, Checkpoint.meta(file), overrides, registry);
    }

    /** Loads {@code file} whose description {@code meta} was read already (reading it opens the whole checkpoint). */
    private static LoadedModel load(Path file, Checkpoint.Meta meta, List<String> overrides, PluginRegistry registry) {
        Checkpoint.checkComponents(file, meta, registry);
        TarflowConfig config = ConfigLoader.parse(meta.provenance().config(), file.toString(), overrides);
        if (!overrides.isEmpty())
            EvaluationOverrides.check(
                    file, ConfigLoader.parse(meta.provenance().config(), file.toString(), List.of()), config);
        Devices.configure(config.train());
        LanguageModel model = TarflowModule.assembly(config, registry)
                .build(meta.provenance().vocab())
                .model();
        Checkpoint.restore(file, model.module(), null);
        if (meta.progress().stage() > 0) model.stage(meta.progress().stage());
        return new LoadedModel(
                file, config, model, Tokenizer.named(meta.provenance().tokenizer()));
    }

    private static TrainingSetup setup(TarflowConfig config, PluginRegistry registry) {
        return TrainingSetup.of(config, TarflowModule.assembly(config, registry));
    }
}
