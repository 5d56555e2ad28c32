package org.tarflow4j.trainer;

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
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.distributed.DistributedBackend;
import org.tarflow4j.trainer.distributed.World;
import org.tarflow4j.trainer.export.Weights;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.train.Devices;
import org.tarflow4j.trainer.train.Evaluator;
import org.tarflow4j.trainer.train.RankLog;
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

    /**
     * Trains a new model. Started with torchrun's environment variables ({@code WORLD_SIZE} and the rest, as
     * {@code tarflow train --nproc-per-node N} starts its workers), this process is one rank of a data-parallel run;
     * a new run directory is then named by rank 0.
     */
    public static Trainer.Outcome train(
            Path file,
            List<String> overrides,
            Path runDir,
            Path runs,
            PluginRegistry registry,
            TrainingListener listener) {
        TarflowConfig config = ConfigLoader.load(file, overrides);
        try (World world = World.fromEnvironment(config.train())) {
            RunDirectory run = runDir != null
                    ? new RunDirectory(runDir)
                    : new RunDirectory(Path.of(world.fromMain(
                            "the run directory",
                            () -> RunDirectory.fresh(runs, config.model().kind())
                                    .root()
                                    .toString())));
            return train(config, run, null, registry, listener, world);
        }
    }

    /** Trains a new model of {@code config} into {@code run} (one rank of a data-parallel run under torchrun's variables). */
    public static Trainer.Outcome train(
            TarflowConfig config, RunDirectory run, PluginRegistry registry, TrainingListener listener) {
        try (World world = World.fromEnvironment(config.train())) {
            return train(config, run, null, registry, listener, world);
        }
    }

    /**
     * Continues the run in {@code runDir} from its last checkpoint; overrides apply to the configuration it was started
     * with. Any number of data-parallel ranks can continue a run written by any number.
     */
    public static Trainer.Outcome resume(
            Path runDir, List<String> overrides, PluginRegistry registry, TrainingListener listener) {
        Path last = RunDirectory.checkpoint(runDir);
        Checkpoint.Meta meta = Checkpoint.meta(last);
        Checkpoint.checkComponents(last, meta, registry);
        TarflowConfig config = ConfigLoader.parse(meta.provenance().config(), last.toString(), overrides);
        try (World world = World.fromEnvironment(config.train())) {
            return train(config, new RunDirectory(last.getParent()), meta, registry, listener, world);
        }
    }

    /**
     * Trains in {@code world}: every rank checks that all run the same resolved configuration; rank 0 reports to
     * {@code listener} and, unless {@code train.tensorboard} is off, to TensorBoard event files in the run's {@code tb/}
     * folder; the others to their {@code rank-<r>.log}. A rank that dies or hangs ends the run on every rank
     * with one line naming it and what it last did.
     */
    private static Trainer.Outcome train(
            TarflowConfig config,
            RunDirectory run,
            Checkpoint.Meta resume,
            PluginRegistry registry,
            TrainingListener listener,
            World world) {
        try {
            TrainingSetup setup = TrainingSetup.of(config, TarflowModule.assembly(config, registry), world);
            world.status("configuration check");
            world.requireSameConfig(setup.resolvedConfig());
            Trainer.Outcome outcome;
            if (!world.isMain()) outcome = new Trainer(setup, run, new RankLog(run, world.rank())).train(resume);
            else
                try (TensorBoardListener board = TensorBoardListener.of(setup, run, listener)) {
                    outcome = new Trainer(setup, run, TrainingListener.all(listener, board)).train(resume);
                }
            world.finish();
            return outcome;
        } catch (RuntimeException e) {
            RuntimeException failure = world.failure(e);
            if (failure == e) throw e;
            throw new TarflowException(failure.getMessage() + ". The run stopped; " + lastGood(run), e);
        }
    }

    /** Before workers start: the backend that the configured device asks for must be able to run here. */
    public static void checkLaunch(Path file, List<String> overrides) {
        String device = ConfigLoader.load(file, overrides).train().runtime().device();
        DistributedBackend.forDevice(device).requireAvailable(device);
    }

    /** The directory a new run of this configuration trains in, when none is given (the launcher names it once). */
    public static Path newRunDirectory(Path file, List<String> overrides, Path runs) {
        return RunDirectory.fresh(
                        runs, ConfigLoader.load(file, overrides).model().kind())
                .root();
    }

    /** Where the stopped run in {@code runDir} can continue from, as a failure message ends. */
    public static String whereToContinue(Path runDir) {
        return lastGood(new RunDirectory(runDir));
    }

    private static String lastGood(RunDirectory run) {
        if (!java.nio.file.Files.exists(run.last())) return "it has no checkpoint yet";
        String step;
        try {
            step = " (step " + Checkpoint.meta(run.last()).progress().step() + ")";
        } catch (RuntimeException e) {
            step = "";
        }
        return "the last good checkpoint is " + run.last() + step + "; continue with 'tarflow train --resume "
                + run.root() + "' and the same launch options (or others)";
    }

    /** Evaluates a checkpoint on a split; writes the result as JSON next to it and returns that JSON. */
    public static String evaluate(
            Path runOrCheckpoint, String split, int samples, List<String> overrides, PluginRegistry registry) {
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
        Devices.configure(config.train());
        LanguageModel model = TarflowModule.assembly(config, registry)
                .build(meta.provenance().vocab())
                .model();
        Checkpoint.restore(file, model.module(), null);
        if (meta.progress().stage() > 0) model.stage(meta.progress().stage());
        return new LoadedModel(
                file, config, model, Tokenizer.named(meta.provenance().tokenizer()));
    }
}
