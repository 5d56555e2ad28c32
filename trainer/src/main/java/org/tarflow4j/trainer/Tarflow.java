package org.tarflow4j.trainer;

import java.nio.file.Files;
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
import org.tarflow4j.trainer.checkpoint.EvaluationOverrides;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.distributed.DistributedBackend;
import org.tarflow4j.trainer.distributed.World;
import org.tarflow4j.trainer.export.Weights;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.train.Devices;
import org.tarflow4j.trainer.train.Evaluator;
import org.tarflow4j.trainer.train.MemoryEstimate;
import org.tarflow4j.trainer.train.RankLog;
import org.tarflow4j.trainer.train.ResumeCheck;
import org.tarflow4j.trainer.train.ResumeCommand;
import org.tarflow4j.trainer.train.RunDirectory;
import org.tarflow4j.trainer.train.RunInfo;
import org.tarflow4j.trainer.train.RunLock;
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

    /**
     * Builds the model of a configuration, so every component checks its options, and returns it resolved as TOML,
     * followed by the estimated peak memory of a training step as a comment.
     */
    public static String checkConfig(TarflowConfig config, PluginRegistry registry) {
        ModelAssembly.Built built = TarflowModule.assembly(config, registry)
                .build(Corpus.open(config.data()).tokenizer().vocabSize());
        return config.toToml(built.options()) + "\n"
                + MemoryEstimate.of(config, built.model()).describe(config);
    }

    /**
     * Trains a new model into a run directory that holds no run yet. Started with torchrun's environment variables
     * ({@code WORLD_SIZE} and the rest, as {@code tarflow train --nproc-per-node N} starts its workers), this process is
     * one rank of a data-parallel run; a new run directory is then named by rank 0.
     */
    public static Trainer.Outcome train(
            Path file,
            List<String> overrides,
            Path runDir,
            Path runs,
            PluginRegistry registry,
            TrainingListener listener) {
        return train(file, overrides, runDir, runs, RunDirectory.Start.FRESH, registry, listener);
    }

    /**
     * Trains a new model. Rank 0 locks the run directory while it trains ({@link RunLock}; the other ranks of a
     * data-parallel run share it); one that holds a run already is refused ({@link RunDirectory.Start#FRESH}), unless
     * {@code OVERWRITE}, which deletes that run's files first (and says which), or {@code PREPARED} by a sweep.
     */
    public static Trainer.Outcome train(
            Path file,
            List<String> overrides,
            Path runDir,
            Path runs,
            RunDirectory.Start start,
            PluginRegistry registry,
            TrainingListener listener) {
        TarflowConfig config = config(file, overrides, registry);
        config.notes().forEach(listener::note);
        try (World world = World.fromEnvironment(config.train())) {
            RunDirectory run = runDir != null
                    ? new RunDirectory(runDir)
                    : new RunDirectory(Path.of(world.fromMain(
                            "the run directory",
                            () -> RunDirectory.fresh(runs, config.model().kind())
                                    .root()
                                    .toString())));
            boolean existed = Files.exists(run.root());
            try (RunLock lock = lock(world, run.root(), listener)) {
                if (world.isMain()) run.startNew(file, start, listener::warning);
                return train(config, run, null, registry, listener, world);
            } finally {
                if (!existed && world.isMain()) RunLock.removeIfUnused(run.root());
            }
        }
    }

    /** Trains a new model of {@code config} into {@code run}, which must hold no run yet (one rank of a data-parallel run under torchrun's variables). */
    public static Trainer.Outcome train(
            TarflowConfig config, RunDirectory run, PluginRegistry registry, TrainingListener listener) {
        try (World world = World.fromEnvironment(config.train());
                RunLock lock = lock(world, run.root(), listener)) {
            if (world.isMain()) run.startNew(null, RunDirectory.Start.FRESH, listener::warning);
            return train(config, run, null, registry, listener, world);
        }
    }

    /**
     * Continues the run in {@code runDir} from its last checkpoint; overrides apply to the configuration it was started
     * with, and any number of data-parallel ranks can continue a run written by any number. Rank 0 locks the directory
     * while it trains; its {@code config.toml} must describe the checkpoint's model, and the run must not be finished
     * ({@link ResumeCheck}); temporaries of a write that did not finish are removed.
     */
    public static Trainer.Outcome resume(
            Path runDir, List<String> overrides, PluginRegistry registry, TrainingListener listener) {
        if (!Files.exists(runDir))
            throw new TarflowException("--resume " + runDir + ": no such run directory; give the directory of a run"
                    + " that 'tarflow train' started");
        Path root = Files.isDirectory(runDir) ? runDir : runDir.toAbsolutePath().getParent();
        RunDirectory run = new RunDirectory(root);
        Path last = RunDirectory.checkpoint(runDir);
        Checkpoint.Meta meta = Checkpoint.meta(last);
        Checkpoint.checkComponents(last, meta, registry);
        ResumeCheck.requireSameConfig(run, last, meta.provenance().config());
        TarflowConfig config = ConfigLoader.parse(meta.provenance().config(), last.toString(), overrides, registry);
        config.notes().forEach(listener::note);
        ResumeCheck.requireUnfinished(run, meta, config);
        try (World world = World.fromEnvironment(config.train());
                RunLock lock = lock(world, root, listener)) {
            if (world.isMain()) run.removeStaleTemporaries(listener::warning);
            return train(config, run, meta, registry, listener, world);
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
            if (!setup.placement().isCuda())
                MemoryEstimate.of(config, setup.model())
                        .check(config, MemoryEstimate.cpuCapacityBytes(), "this machine's memory");
            world.status("configuration check");
            world.requireSameConfig(setup.resolvedConfig());
            Trainer.Outcome outcome;
            String resumeCommand = ResumeCommand.of(run.root(), registry);
            if (!world.isMain())
                outcome = new Trainer(setup, run, new RankLog(run, world.rank()), resumeCommand).train(resume);
            else
                try (TensorBoardListener board = TensorBoardListener.of(setup, run, listener)) {
                    outcome =
                            new Trainer(setup, run, TrainingListener.all(listener, board), resumeCommand).train(resume);
                }
            world.finish();
            return outcome;
        } catch (RuntimeException e) {
            RuntimeException failure = world.failure(e);
            if (failure == e) throw e;
            throw new TarflowException(failure.getMessage() + ". The run stopped; " + lastGood(run), e);
        }
    }

    /** Rank 0 holds the run directory's lock for the whole run; the other ranks of its run share the directory. */
    private static RunLock lock(World world, Path root, TrainingListener listener) {
        return world.isMain() ? RunLock.acquire(root, listener::warning) : null;
    }

    /** Before workers start: the backend that the configured device asks for must be able to run here. */
    public static void checkLaunch(Path file, List<String> overrides, PluginRegistry registry) {
        String device = config(file, overrides, registry).train().runtime().device();
        DistributedBackend.forDevice(device).requireAvailable(device);
    }

    /** The directory a new run of this configuration trains in, when none is given (the launcher names it once). */
    public static Path newRunDirectory(Path file, List<String> overrides, Path runs, PluginRegistry registry) {
        return RunDirectory.fresh(
                        runs, config(file, overrides, registry).model().kind())
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

    /**
     * Evaluates a checkpoint on a split on the CPU and writes the result as JSON next to it.
     *
     * @param samples latent samples per sequence, 0 for {@code eval.samples}
     */
    public static Evaluated evaluate(
            Path runOrCheckpoint, String split, int samples, List<String> overrides, PluginRegistry registry) {
        return evaluate(runOrCheckpoint, split, samples, overrides, registry, "cpu");
    }

    /**
     * Evaluates a checkpoint on a split, computing on {@code device} ({@code cpu}, {@code cuda}, {@code cuda:N});
     * writes the result as JSON next to it. When the JSON cannot be written (a full disk), the {@link ResultNotSaved}
     * thrown carries it, so it can still be shown.
     */
    public static Evaluated evaluate(
            Path runOrCheckpoint,
            String split,
            int samples,
            List<String> overrides,
            PluginRegistry registry,
            String device) {
        if (!Corpus.SPLITS.contains(split))
            throw new TarflowException("--split " + split + ": there is no such split; the splits are "
                    + String.join(", ", Corpus.SPLITS));
        if (samples < 0)
            throw new TarflowException("--samples " + samples + ": give the number of latent samples per sequence,"
                    + " at least 1 (1 is the ELBO)");
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
        try {
            AtomicFiles.write(written, json);
        } catch (TarflowException notSaved) {
            throw new ResultNotSaved(notSaved.getMessage(), json);
        }
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
        if (!overrides.isEmpty())
            EvaluationOverrides.check(
                    file, ConfigLoader.parse(meta.provenance().config(), file.toString(), List.of(), registry), config);
        Placement placement = Devices.configure(config.train(), device, "--device " + device);
        LanguageModel model = TarflowModule.assembly(config, registry)
                .build(meta.provenance().vocab(), placement)
                .model();
        Checkpoint.restore(file, model.module(), null, placement);
        if (meta.progress().stage() > 0) model.stage(meta.progress().stage());
        return new LoadedModel(
                file, config, model, Tokenizer.named(meta.provenance().tokenizer()));
    }
}
