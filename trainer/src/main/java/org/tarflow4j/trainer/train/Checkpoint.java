package org.tarflow4j.trainer.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
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
import org.tarflow4j.trainer.AtomicFiles;
import org.tarflow4j.trainer.TarflowException;
import org.tarflow4j.trainer.model.ModelFactory.ComponentUse;
import org.tarflow4j.trainer.plugin.ComponentKind;
import org.tarflow4j.trainer.plugin.PluginRegistry;
import org.tarflow4j.trainer.plugin.Registered;
import org.tarflow4j.trainer.plugin.SemVer;
import org.tarflow4j.trainer.plugin.VersionRange;

/**
 * A checkpoint file: one libtorch archive holding the model, the optimizer state and a JSON description (where
 * training stands, the configuration as run, and the name and version of every component). Written to a temporary
 * file, flushed to disk and renamed over the old one, so a crash never leaves a broken checkpoint behind.
 */
public final class Checkpoint {
    static final String FORMAT = "tarflow4j-checkpoint/1";
    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeSpecialFloatingPointValues()
            .create();

    private Checkpoint() {}

    /**
     * Where training stands. Randomness is a function of the seed and the step (data windows and encoder noise), so
     * the step is also the data cursor and the random state.
     *
     * @param stage      progressive-training stage (1-based; the number of active layers), 0 when not progressive
     * @param stageStart the step the current stage began at
     * @param config     the resolved configuration as TOML
     * @param tokenizer  the tokenizer's persisted name
     * @param seconds    training time so far, over every session of the run (the {@code train.minutes} budget)
     */
    public record Meta(
            String format,
            long step,
            int stage,
            long stageStart,
            double bestValid,
            int stalls,
            long seed,
            String config,
            List<ComponentUse> components,
            String tokenizer,
            int vocab,
            String written,
            double seconds) {}

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
            Meta meta = GSON.fromJson(v.toStringRef().getString(), Meta.class);
            if (meta == null || !FORMAT.equals(meta.format()))
                throw new TarflowException(file + " is a checkpoint of an unknown format '"
                        + (meta == null ? null : meta.format()) + "'; this tarflow4j reads " + FORMAT);
            return meta;
        } catch (JsonParseException e) {
            throw new TarflowException(file + " has a damaged description: " + e.getMessage());
        }
    }

    /** Every component the checkpoint was written with must be available here in a compatible version. */
    public static void checkComponents(Path file, Meta meta, PluginRegistry registry) {
        for (ComponentUse use : meta.components()) {
            ComponentKind kind = ComponentKind.valueOf(use.kind().toUpperCase());
            Registered here;
            try {
                here = registry.find(kind, use.name());
            } catch (TarflowException e) {
                throw new TarflowException("checkpoint " + file + " needs the " + use.kind() + " '" + use.name() + "' "
                        + use.version() + " (for " + use.owner() + "), which is not available: " + e.getMessage());
            }
            if (!VersionRange.parse("^" + use.version()).admits(SemVer.parse(here.version())))
                throw new TarflowException(
                        "checkpoint " + file + " was written with the " + use.kind() + " '" + use.name() + "' "
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
