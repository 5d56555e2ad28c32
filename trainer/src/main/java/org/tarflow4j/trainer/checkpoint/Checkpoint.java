package org.tarflow4j.trainer.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OutputArchive;
import org.tarflow4j.api.SemVer;
import org.tarflow4j.api.VersionRange;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.core.plugin.Registered;
import org.tarflow4j.trainer.assembly.ModelAssembly.ComponentUse;

/**
 * A checkpoint file: one libtorch archive holding the model, the optimizer state and a JSON description (where
 * training stands, the configuration as run, and the name and version of every component). Written to a temporary
 * file, flushed to disk and renamed over the old one, so a crash never leaves a broken checkpoint behind.
 */
public final class Checkpoint {
    public static final String FORMAT = "tarflow4j-checkpoint/2";
    /** The first format: the same fields, written flat. Read, never written. */
    private static final String FORMAT_1 = "tarflow4j-checkpoint/1";

    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeSpecialFloatingPointValues()
            .create();

    private Checkpoint() {}

    /** A checkpoint's description: where training stands and what the model was built from. */
    public record Meta(String format, Progress progress, Provenance provenance) {
        public Meta(Progress progress, Provenance provenance) {
            this(FORMAT, progress, provenance);
        }
    }

    /**
     * Where training stands. Randomness is a function of the seed and the step (data windows and encoder noise), so
     * the step is also the data cursor and the random state.
     *
     * @param stage      progressive-training stage (1-based; the number of active layers), 0 when not progressive
     * @param stageStart the step the current stage began at
     * @param bestValid  the best validation loss of the current stage, nats per token
     * @param stalls     validations since it last improved
     * @param seconds    training time so far, over every session of the run (the {@code train.minutes} budget)
     * @param globalBatch sequences per optimizer step over all ranks (batch × world size × accumulate), 0 if unknown
     *                    (written before data-parallel training): a resumed run reads the same data only with the
     *                    same global batch
     * @param worldSize   the processes that trained the last session, 0 if unknown
     */
    public record Progress(
            long step,
            int stage,
            long stageStart,
            double bestValid,
            int stalls,
            double seconds,
            long globalBatch,
            int worldSize) {
        public Progress(long step, int stage, long stageStart, double bestValid, int stalls, double seconds) {
            this(step, stage, stageStart, bestValid, stalls, seconds, 0, 0);
        }
    }

    /**
     * What the model was built from and when.
     *
     * @param config     the configuration as run (TOML, overrides applied)
     * @param components every component's name and version, by the table that chose it
     * @param tokenizer  the tokenizer's persisted name
     * @param vocab      its vocabulary size
     * @param written    when the checkpoint was written (ISO-8601)
     */
    public record Provenance(
            String config, List<ComponentUse> components, String tokenizer, int vocab, long seed, String written) {}

    public static void save(Path file, Module model, Optimizer optimizer, Meta meta) {
        Path tmp = AtomicFiles.temporary(file);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            OutputArchive root = new OutputArchive();
            OutputArchive m = new OutputArchive();
            model.save(m);
            root.write("model", m);
            if (optimizer != null) {
                OutputArchive o = new OutputArchive();
                optimizer.save(o);
                root.write("optimizer", o);
            }
            root.write("meta", new IValue(GSON.toJson(meta)));
            root.save_to(tmp.toString());
            AtomicFiles.publish(tmp, file);
        } catch (IOException | RuntimeException e) {
            throw new TarflowException(
                    "cannot write checkpoint " + file + ": " + e.getMessage()
                            + " (check the disk space and permissions of the run directory)",
                    e);
        }
    }

    /** Reads the description of a checkpoint; a missing, truncated or foreign file is a clear error. */
    public static Meta meta(Path file) {
        InputArchive root = open(file);
        IValue v = new IValue();
        if (!root.try_read("meta", v) || !v.isString())
            throw new TarflowException(file + " is not a tarflow4j checkpoint (it has no tarflow4j description);"
                    + " give a .ckpt file written by 'tarflow train' or its run directory");
        try {
            JsonObject json =
                    JsonParser.parseString(v.toStringRef().getString()).getAsJsonObject();
            String format = json.has("format") ? json.get("format").getAsString() : null;
            if (FORMAT_1.equals(format))
                return new Meta(GSON.fromJson(json, Progress.class), GSON.fromJson(json, Provenance.class));
            if (!FORMAT.equals(format))
                throw new TarflowException(file + " is a checkpoint of an unknown format '" + format
                        + "'; this tarflow4j reads " + FORMAT + " and " + FORMAT_1);
            return GSON.fromJson(json, Meta.class);
        } catch (JsonParseException | IllegalStateException e) {
            throw new TarflowException(file + " has a damaged description: " + e.getMessage());
        }
    }

    /** Every component the checkpoint was written with must be available here in a compatible version. */
    public static void checkComponents(Path file, Meta meta, PluginRegistry registry) {
        for (ComponentUse use : meta.provenance().components()) {
            ComponentKind kind = use.kind();
            Registered here;
            try {
                here = registry.find(kind, use.name());
            } catch (TarflowException e) {
                throw new TarflowException(
                        "checkpoint " + file + " needs the " + kind.label() + " '" + use.name() + "' " + use.version()
                                + " (for " + use.owner() + "), which is not available: " + e.getMessage());
            }
            if (!VersionRange.parse("^" + use.version()).admits(SemVer.parse(here.version())))
                throw new TarflowException(
                        "checkpoint " + file + " was written with the " + kind.label() + " '" + use.name() + "' "
                                + use.version() + ", but " + here.version() + " is installed (" + here.origin()
                                + "), which is not compatible;"
                                + " install a " + use.name() + " plugin of version ^" + use.version());
        }
    }

    /** Loads the model's (and, if given, the optimizer's) state from a checkpoint. */
    public static void restore(Path file, Module model, Optimizer optimizer) {
        InputArchive root = open(file);
        try {
            InputArchive m = new InputArchive();
            root.read("model", m);
            model.load(m);
            if (optimizer != null) {
                InputArchive o = new InputArchive();
                root.read("optimizer", o);
                optimizer.load(o);
            }
        } catch (RuntimeException e) {
            throw new TarflowException(
                    "checkpoint " + file + " does not fit the model its description builds: " + e.getMessage()
                            + " (the file is damaged, or a plugin changed its parameters without changing its major version)");
        }
    }

    private static InputArchive open(Path file) {
        if (!Files.isRegularFile(file))
            throw new TarflowException(
                    "checkpoint " + file + " does not exist", new NoSuchFileException(file.toString()));
        InputArchive root = new InputArchive();
        try {
            root.load_from(file.toString());
        } catch (RuntimeException e) {
            throw new TarflowException(
                    file + " is not a readable checkpoint (truncated, damaged or not a libtorch archive): "
                            + firstLine(e.getMessage()));
        }
        return root;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
