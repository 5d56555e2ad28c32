package org.tarflow4j.trainer.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.ToNumberPolicy;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.SemVer;
import org.tarflow4j.api.VersionRange;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.core.plugin.Registered;
import org.tarflow4j.trainer.assembly.ModelAssembly.ComponentUse;

/**
 * A checkpoint file: one libtorch archive holding the model, the optimizer state and a JSON description (where
 * training stands, the configuration as run, the name and version of every component, and the SHA-256 of every
 * tensor). Written through Java to a temporary file, flushed to disk and renamed over the old one, so neither a crash
 * nor a full disk leaves a broken checkpoint behind; checked on load ({@link CheckpointIntegrity}).
 */
public final class Checkpoint {
    public static final String FORMAT = "tarflow4j-checkpoint/2";
    /** The first format: the same fields, written flat. Read, never written. */
    private static final String FORMAT_1 = "tarflow4j-checkpoint/1";

    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeSpecialFloatingPointValues()
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .create();

    private Checkpoint() {}

    /**
     * A checkpoint's description: where training stands, what the model was built from, and (from the writer) the
     * hashes its tensors are checked against when loaded; null in checkpoints written before they were recorded.
     */
    public record Meta(String format, Progress progress, Provenance provenance, Integrity integrity) {
        public Meta(Progress progress, Provenance provenance) {
            this(FORMAT, progress, provenance, null);
        }
    }

    /**
     * What the model's tensors were when written.
     *
     * @param algorithm the digest, {@code SHA-256}
     * @param tensors   the digest of every parameter and buffer's bytes, by name
     */
    public record Integrity(String algorithm, java.util.Map<String, String> tensors) {}

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
     * @param data       the manifest of the corpus it was trained on (what {@code tarflow info} shows); null in
     *                   checkpoints written before it was recorded
     */
    public record Provenance(
            String config,
            List<ComponentUse> components,
            String tokenizer,
            int vocab,
            long seed,
            String written,
            Map<String, Object> data) {}

    /**
     * Writes a checkpoint; a failure (a full disk, say) is a {@link TarflowException} naming the file and, for a full
     * disk, the space needed and free, and leaves the previous file at {@code file} as it was.
     */
    public static void save(Path file, Module model, Optimizer optimizer, Meta meta) {
        OutputArchive root = new OutputArchive();
        OutputArchive m = new OutputArchive();
        model.save(m);
        root.write("model", m);
        if (optimizer != null) {
            OutputArchive o = new OutputArchive();
            optimizer.save(o);
            root.write("optimizer", o);
        }
        Meta sealed = new Meta(meta.format(), meta.progress(), meta.provenance(), CheckpointIntegrity.of(model));
        root.write("meta", new IValue(GSON.toJson(sealed)));
        ArchiveFile.write(root, file, "checkpoint");
    }

    /**
     * Reads the description of a checkpoint; a missing, truncated, damaged or foreign file is a clear error. The
     * description is read from the archive's {@code meta} record alone when its layout allows ({@link MetaRecord}),
     * without loading the model's tensors; otherwise libtorch opens the archive, mapping its tensors to the meta device,
     * so none is kept in memory and a checkpoint written on a GPU reads on a host without one.
     */
    public static Meta meta(Path file) {
        if (Files.isRegularFile(file)) {
            Optional<String> text = MetaRecord.read(file);
            if (text.isPresent()) {
                CheckpointIntegrity.checkDescription(file);
                try {
                    JsonObject json = JsonParser.parseString(text.get()).getAsJsonObject();
                    if (json.has("format")) return meta(file, json);
                } catch (JsonParseException | IllegalStateException notOurs) {
                    // read it the long way, which says what is wrong
                }
            }
        }
        InputArchive root = open(file, Placement.META);
        CheckpointIntegrity.checkDescription(file);
        return meta(file, root);
    }

    private static Meta meta(Path file, InputArchive root) {
        IValue v = new IValue();
        if (!root.try_read("meta", v) || !v.isString())
            throw new TarflowException(file + " is not a tarflow4j checkpoint (it has no tarflow4j description);"
                    + " give a .ckpt file written by 'tarflow train' or its run directory");
        JsonObject json;
        try {
            json = JsonParser.parseString(v.toStringRef().getString()).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new TarflowException(file + " has a damaged description: " + e.getMessage());
        }
        return meta(file, json);
    }

    private static Meta meta(Path file, JsonObject json) {
        try {
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
            Availability a = availability(use, registry);
            if (a.installed() == null)
                throw new TarflowException(
                        "checkpoint " + file + " needs the " + use.kind().label() + " '" + use.name() + "' "
                                + use.version() + " (for " + use.owner() + "), which is not available: " + a.problem());
            if (a.problem() != null)
                throw new TarflowException("checkpoint " + file + " was written with the "
                        + use.kind().label() + " '" + use.name() + "' " + use.version() + ", but " + a.problem());
        }
    }

    /**
     * Whether this host has a component a checkpoint needs.
     *
     * @param installed the registered provider of its name; null when there is none
     * @param problem   why it cannot be used, null when it can
     */
    public record Availability(ComponentUse use, Registered installed, String problem) {
        public boolean usable() {
            return problem == null;
        }
    }

    /** Whether {@code use} is registered here in a version compatible with the one recorded ({@code ^version}). */
    public static Availability availability(ComponentUse use, PluginRegistry registry) {
        Registered here;
        try {
            here = registry.find(use.kind(), use.name());
        } catch (TarflowException e) {
            return new Availability(use, null, e.getMessage());
        }
        if (!here.name().equals(use.name()))
            return new Availability(
                    use,
                    null,
                    "'" + use.name() + "' is an alias of the " + use.kind().label() + " '" + here.name()
                            + "' here, not the component itself; install the " + use.name() + " plugin");
        if (!VersionRange.parse("^" + use.version()).admits(SemVer.parse(here.version())))
            return new Availability(
                    use,
                    here,
                    here.version() + " is installed (" + here.origin() + "), which is not compatible; install a "
                            + use.name() + " plugin of version ^" + use.version());
        return new Availability(use, here, null);
    }

    /**
     * Loads the model's (and, if given, the optimizer's) state from a checkpoint onto {@code placement}, where the
     * model already is: the tensors are read onto it whatever device they were saved from, so the model does not move.
     * Checked: every record against its CRC-32, every tensor against its recorded SHA-256, every parameter finite
     * ({@link CheckpointIntegrity}), and every parameter and buffer keeps its shape (libtorch would otherwise take the
     * archived tensor as it is, and the model would fail later far from the cause: a {@code --set} that changed the
     * model of a trained checkpoint).
     */
    public static void restore(Path file, Module model, Optimizer optimizer, Placement placement) {
        InputArchive root = open(file, placement);
        List<String> damaged = CheckpointIntegrity.damagedRecords(file);
        Integrity recorded = recordedIntegrity(file, root);
        Map<String, List<Long>> expected = shapes(model);
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
            if (!damaged.isEmpty()) CheckpointIntegrity.verify(file, model, null, damaged);
            throw new TarflowException(
                    "checkpoint " + file + " does not fit the model its description builds: " + e.getMessage()
                            + " (the file is damaged, or a plugin changed its parameters without changing its major version)");
        }
        Map<String, List<Long>> loaded = shapes(model);
        for (Map.Entry<String, List<Long>> e : expected.entrySet()) {
            List<Long> stored = loaded.get(e.getKey());
            if (!e.getValue().equals(stored))
                throw new TarflowException("checkpoint " + file + " does not fit the model its configuration builds: "
                        + e.getKey() + " is " + stored + " in the checkpoint but " + e.getValue() + " in the model;"
                        + " a --set that changes the model's shape (latent, sizes, components) cannot apply to a"
                        + " trained checkpoint");
        }
        CheckpointIntegrity.verify(file, model, recorded, damaged);
    }

    /** The tensor hashes of the description, or null when there are none or the description cannot be read. */
    private static Integrity recordedIntegrity(Path file, InputArchive root) {
        try {
            return meta(file, root).integrity();
        } catch (TarflowException | JsonParseException unreadable) {
            return null;
        }
    }

    /** The shape of every parameter and buffer, by its dotted name. */
    private static Map<String, List<Long>> shapes(Module model) {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        for (StringTensorDict dict : List.of(model.named_parameters(true), model.named_buffers(true)))
            for (long i = 0; i < dict.size(); i++) {
                StringTensorDictItem item = dict.get(i);
                Tensor t = item.value();
                List<Long> shape = new ArrayList<>();
                for (long d = 0; d < t.dim(); d++) shape.add(t.size(d));
                out.put(item.key().getString(), shape);
            }
        return out;
    }

    private static InputArchive open(Path file, Placement placement) {
        if (!Files.isRegularFile(file))
            throw new TarflowException(
                    "checkpoint " + file + " does not exist", new NoSuchFileException(file.toString()));
        InputArchive root = new InputArchive();
        try {
            root.load_from(file.toString(), new DeviceOptional(placement.device()));
        } catch (RuntimeException e) {
            CheckpointIntegrity.explainUnreadable(file);
            String why = firstLine(e.getMessage());
            throw new TarflowException(file + " is not a readable checkpoint (truncated, damaged or not a libtorch"
                    + " archive)" + (why.isBlank() ? "" : ": " + why));
        }
        return root;
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
