package org.tarflow4j.trainer.export;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.ApiVersion;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.assembly.ModelAssembly;
import org.tarflow4j.trainer.assembly.ModelAssembly.ComponentUse;
import org.tarflow4j.trainer.assembly.TarflowModule;
import org.tarflow4j.trainer.checkpoint.Checkpoint;
import org.tarflow4j.trainer.train.Devices;
import org.tarflow4j.trainer.train.RunDirectory;

/**
 * A model's weights for other frameworks: every parameter and buffer under its libtorch name ({@code
 * encoder.means}, {@code flow0.coupling.…}), with its dtype and shape, in a {@linkplain SafeTensors safetensors}
 * file whose {@code __metadata__} holds what rebuilds the model (format {@value #FORMAT}): the configuration as run
 * and resolved, every component's name and version, the tokenizer, the step and the versions of tarflow4j, its plugin
 * API and libtorch. A JSON file beside it ({@code NAME.json}) holds the same, nested, with the list of tensors, for
 * people and scripts. Import reads the file back into a checkpoint that evaluates, samples and traces like the one
 * exported; it holds no optimizer state.
 */
public final class Weights {
    /** The {@code format} of the metadata this class writes and reads. */
    public static final String FORMAT = "tarflow4j-weights/1";

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final Gson PRETTY =
            new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();
    private static final Type COMPONENTS = new TypeToken<List<ComponentUse>>() {}.getType();

    private Weights() {}

    /**
     * @param file       the safetensors file
     * @param json       its metadata as JSON, beside it
     * @param tensors    tensors written (parameters and buffers)
     * @param parameters elements of the model's parameters
     */
    public record Exported(Path file, Path json, int tensors, long parameters) {}

    /**
     * @param run        the run directory written
     * @param tensors    tensors read
     * @param parameters elements of the model's parameters
     */
    public record Imported(RunDirectory run, int tensors, long parameters) {}

    /** The JSON file beside {@code file}: its name with {@code .json} for {@code .safetensors}. */
    public static Path sibling(Path file) {
        String name = file.getFileName().toString();
        String stem = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return file.resolveSibling(stem + ".json");
    }

    /**
     * Writes the model of {@code built} (its weights restored from {@code checkpoint}) to {@code out} and its metadata
     * to {@link #sibling}.
     */
    public static Exported export(
            ModelAssembly.Built built, TarflowConfig config, Checkpoint.Meta meta, Path checkpoint, Path out) {
        Module module = built.model().module();
        List<SafeTensors.Entry> tensors = new ArrayList<>();
        long parameters = 0;
        try (PointerScope scope = new PointerScope()) {
            StringTensorDict params = module.named_parameters(true);
            for (long i = 0; i < params.size(); i++) {
                tensors.add(SafeTensors.Entry.of(
                        params.get(i).key().getString(), params.get(i).value()));
                parameters += params.get(i).value().numel();
            }
            StringTensorDict buffers = module.named_buffers(true);
            for (long i = 0; i < buffers.size(); i++)
                tensors.add(SafeTensors.Entry.of(
                        buffers.get(i).key().getString(), buffers.get(i).value()));
        }
        Checkpoint.Provenance p = meta.provenance();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put("model", config.model().kind());
        metadata.put("config", p.config());
        metadata.put("resolved_config", config.toToml(built.options()));
        metadata.put("components", GSON.toJson(p.components(), COMPONENTS));
        metadata.put("tokenizer", p.tokenizer());
        metadata.put("vocab", Integer.toString(p.vocab()));
        metadata.put("seed", Long.toString(p.seed()));
        metadata.put("step", Long.toString(meta.progress().step()));
        metadata.put("stage", Integer.toString(meta.progress().stage()));
        metadata.put("checkpoint", checkpoint.getFileName().toString());
        metadata.put("checkpoint_written", p.written());
        metadata.put("tarflow4j", version(Weights.class));
        metadata.put("plugin_api", ApiVersion.CURRENT);
        metadata.put("libtorch", version(org.bytedeco.pytorch.global.torch.class));
        SafeTensors.write(out, tensors, metadata);

        Map<String, Object> json = new LinkedHashMap<>(metadata);
        json.put("components", p.components());
        List<Map<String, Object>> list = new ArrayList<>();
        for (SafeTensors.Entry e : tensors)
            list.add(Map.of("name", e.name(), "dtype", e.dtype().name(), "shape", e.shape()));
        json.put("tensors", list);
        Path sibling = sibling(out);
        AtomicFiles.write(sibling, PRETTY.toJson(json) + "\n");
        return new Exported(out, sibling, tensors.size(), parameters);
    }

    /**
     * Rebuilds the model of a file written by {@link #export} from its metadata (its components must be installed in
     * compatible versions), reads every tensor into it, and writes {@code run}'s {@code last.ckpt} and {@code
     * config.toml}.
     */
    public static Imported importInto(Path file, RunDirectory run, PluginRegistry registry) {
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, String> m = contents.metadata();
        if (!FORMAT.equals(m.get("format")))
            throw new TarflowException(file + " was not written by 'tarflow export' (its __metadata__ has the format "
                    + (m.containsKey("format") ? "'" + m.get("format") + "'" : "of no one") + ", not " + FORMAT
                    + "); tarflow import needs the configuration and components that export records");
        if (Files.exists(run.last()))
            throw new TarflowException(
                    run.root() + " already holds a checkpoint (" + run.last() + "); import into a new directory");
        String toml = required(file, m, "config");
        int vocab = Integer.parseInt(required(file, m, "vocab"));
        List<ComponentUse> components;
        try {
            components = GSON.fromJson(required(file, m, "components"), COMPONENTS);
        } catch (JsonParseException e) {
            throw new TarflowException(file + ": its __metadata__ components are not readable: " + e.getMessage());
        }
        Checkpoint.Progress progress = new Checkpoint.Progress(
                Long.parseLong(required(file, m, "step")),
                Integer.parseInt(required(file, m, "stage")),
                0,
                Double.POSITIVE_INFINITY,
                0,
                0);
        Checkpoint.Provenance recorded = new Checkpoint.Provenance(
                toml,
                components,
                required(file, m, "tokenizer"),
                vocab,
                Long.parseLong(required(file, m, "seed")),
                m.getOrDefault("checkpoint_written", ""),
                null);
        Checkpoint.checkComponents(file, new Checkpoint.Meta(progress, recorded), registry);
        TarflowConfig config = ConfigLoader.parse(toml, file + " (__metadata__ config)", List.of(), registry);
        Devices.configure(config.train(), "cpu", "import");
        ModelAssembly.Built built = TarflowModule.assembly(config, registry).build(vocab);
        Module module = built.model().module();
        long parameters = read(file, contents, module);
        Checkpoint.Provenance provenance = new Checkpoint.Provenance(
                toml,
                built.components(),
                recorded.tokenizer(),
                vocab,
                recorded.seed(),
                Instant.now().toString(),
                null); // the exported metadata does not carry the corpus manifest
        try {
            Files.createDirectories(run.root());
        } catch (IOException e) {
            throw new TarflowException("cannot create " + run.root() + ": " + e.getMessage());
        }
        Checkpoint.save(run.last(), module, null, new Checkpoint.Meta(progress, provenance));
        AtomicFiles.write(run.config(), toml);
        return new Imported(run, contents.tensors().size(), parameters);
    }

    /** Copies every parameter and buffer of {@code module} from {@code contents}; names, dtypes and shapes must match. */
    private static long read(Path file, SafeTensors.Contents contents, Module module) {
        long parameters = 0;
        Set<String> unused = new TreeSet<>();
        contents.tensors().forEach(e -> unused.add(e.name()));
        List<String> missing = new ArrayList<>();
        try (PointerScope scope = new PointerScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Map<String, Tensor> targets = new LinkedHashMap<>();
            StringTensorDict params = module.named_parameters(true);
            for (long i = 0; i < params.size(); i++) {
                targets.put(params.get(i).key().getString(), params.get(i).value());
                parameters += params.get(i).value().numel();
            }
            StringTensorDict buffers = module.named_buffers(true);
            for (long i = 0; i < buffers.size(); i++)
                targets.put(buffers.get(i).key().getString(), buffers.get(i).value());
            for (Map.Entry<String, Tensor> t : targets.entrySet()) {
                SafeTensors.Entry e = contents.get(t.getKey());
                if (e == null) {
                    missing.add(t.getKey());
                    continue;
                }
                unused.remove(t.getKey());
                SafeTensors.Entry expected = SafeTensors.Entry.of(t.getKey(), t.getValue());
                if (expected.dtype() != e.dtype() || !java.util.Arrays.equals(expected.shape(), e.shape()))
                    throw new TarflowException(file + ": tensor " + t.getKey() + " is " + e.dtype() + " "
                            + java.util.Arrays.toString(e.shape()) + ", but the model its configuration builds has "
                            + expected.dtype() + " " + java.util.Arrays.toString(expected.shape()));
                t.getValue().copy_(e.tensor());
            }
        }
        if (!missing.isEmpty() || !unused.isEmpty())
            throw new TarflowException(file + " does not fit the model its configuration builds:"
                    + (missing.isEmpty() ? "" : " missing " + missing)
                    + (unused.isEmpty() ? "" : " not in the model " + unused));
        return parameters;
    }

    private static String required(Path file, Map<String, String> metadata, String key) {
        String value = metadata.get(key);
        if (value == null)
            throw new TarflowException(file + ": its __metadata__ has no '" + key + "' (written by 'tarflow export'"
                    + " and needed to rebuild the model)");
        return value;
    }

    /** The version of the module (or jar) holding {@code type}. */
    static String version(Class<?> type) {
        java.lang.module.ModuleDescriptor d = type.getModule().getDescriptor();
        if (d != null && d.rawVersion().isPresent()) return d.rawVersion().get();
        String v = type.getPackage().getImplementationVersion();
        return v != null ? v : "unknown";
    }
}
