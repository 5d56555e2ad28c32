package org.tarflow4j.trainer;

import com.google.inject.Guice;
import com.google.inject.Injector;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow4j.trainer.config.ConfigLoader;
import org.tarflow4j.trainer.config.TarflowConfig;
import org.tarflow4j.trainer.data.Corpus;
import org.tarflow4j.trainer.data.SequentialBatches;
import org.tarflow4j.trainer.data.Tokenizer;
import org.tarflow4j.trainer.inject.TarflowModule;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.ModelFactory;
import org.tarflow4j.trainer.model.TarFlowLM;
import org.tarflow4j.trainer.plugin.PluginRegistry;
import org.tarflow4j.trainer.sample.Trained;
import org.tarflow4j.trainer.train.Checkpoint;
import org.tarflow4j.trainer.train.Devices;
import org.tarflow4j.trainer.train.Evaluator;
import org.tarflow4j.trainer.train.RunDirectory;
import org.tarflow4j.trainer.train.Trainer;
import org.tarflow4j.trainer.train.TrainingListener;

/** The trainer's entry points, one per command. */
public final class Tarflow {
    private Tarflow() {}

    /** Reads and validates a configuration, builds its model (so every component checks its options), and returns it resolved as TOML. */
    public static String checkConfig(Path file, List<String> overrides, PluginRegistry registry) {
        return checkConfig(ConfigLoader.load(file, overrides), registry);
    }

    /** Builds the model of a configuration, so every component checks its options, and returns it resolved as TOML. */
    public static String checkConfig(TarflowConfig config, PluginRegistry registry) {
        ModelFactory.Built built = factory(config, registry)
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
        return train(
                config,
                runDir != null
                        ? new RunDirectory(runDir)
                        : RunDirectory.fresh(runs, config.model().kind()),
                registry,
                listener);
    }

    /** Trains a new model of {@code config} into {@code run}. */
    public static Trainer.Outcome train(
            TarflowConfig config, RunDirectory run, PluginRegistry registry, TrainingListener listener) {
        return new Trainer(config, factory(config, registry), run, listener).train(null);
    }

    /** Continues the run in {@code runDir} from its last checkpoint; overrides apply to the configuration it was started with. */
    public static Trainer.Outcome resume(
            Path runDir, List<String> overrides, PluginRegistry registry, TrainingListener listener) {
        Path last = RunDirectory.checkpoint(runDir);
        Checkpoint.Meta meta = Checkpoint.meta(last);
        Checkpoint.checkComponents(last, meta, registry);
        TarflowConfig config = ConfigLoader.parse(meta.config(), last.toString(), overrides);
        return new Trainer(config, factory(config, registry), new RunDirectory(last.getParent()), listener).train(meta);
    }

    /** Evaluates a checkpoint on a split; writes the result as JSON next to it and returns that JSON. */
    public static String evaluate(
            Path runOrCheckpoint, String split, int samples, List<String> overrides, PluginRegistry registry) {
        Path file = RunDirectory.checkpoint(runOrCheckpoint);
        Checkpoint.Meta meta = Checkpoint.meta(file);
        Trained trained = load(file, meta, overrides, registry);
        TarflowConfig config = trained.config();
        Corpus corpus = Corpus.open(config.data());
        if (!corpus.tokenizer().name().equals(trained.tokenizer().name()))
            throw new TarflowException("checkpoint " + trained.checkpoint() + " was trained with the tokenizer '"
                    + trained.tokenizer().name()
                    + "', but the corpus " + config.data().source() + " uses '"
                    + corpus.tokenizer().name()
                    + "'; evaluate on a corpus of the same tokenizer");
        int k = samples > 0 ? samples : config.eval().samples();
        Evaluator.Evaluation e = Evaluator.evaluate(
                trained.model(),
                new SequentialBatches(
                        corpus.split(split),
                        config.eval().batch(),
                        config.model().context(),
                        config.model().patch()),
                split,
                k,
                config.eval().maxBatches(),
                config.train().seed());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("checkpoint", trained.checkpoint().toString());
        out.put("step", meta.step());
        out.put("split", split);
        out.put("estimator", e.estimator());
        out.put("latent_samples", e.samples());
        out.put("nats_per_token", e.natsPerToken());
        out.put(
                corpus.tokenizer().characterLevel() ? "bpc" : "ppl",
                corpus.tokenizer().characterLevel() ? e.bitsPerToken() : e.perplexity());
        out.put("tokens", e.tokens());
        out.put("data", corpus.manifest());
        String json = Json.pretty(out);
        AtomicFiles.write(trained.checkpoint().resolveSibling("eval-" + split + "-k" + e.samples() + ".json"), json);
        return json;
    }

    /**
     * Loads a checkpoint for sampling, the multi-pass view and editing: its model in evaluation mode (with the layers
     * of its progressive stage), its configuration (overrides applied) and its tokenizer.
     */
    public static Trained load(Path runOrCheckpoint, List<String> overrides, PluginRegistry registry) {
        Path file = RunDirectory.checkpoint(runOrCheckpoint);
        return load(file, Checkpoint.meta(file), overrides, registry);
    }

    /** Loads {@code file} whose description {@code meta} was read already (reading it opens the whole checkpoint). */
    private static Trained load(Path file, Checkpoint.Meta meta, List<String> overrides, PluginRegistry registry) {
        Checkpoint.checkComponents(file, meta, registry);
        TarflowConfig config = ConfigLoader.parse(meta.config(), file.toString(), overrides);
        Devices.configure(config.train());
        LanguageModel model = factory(config, registry).build(meta.vocab()).model();
        Checkpoint.restore(file, model.module(), null);
        if (model instanceof TarFlowLM flow && meta.stage() > 0) flow.activeLayers(meta.stage());
        return new Trained(file, config, model, Tokenizer.named(meta.tokenizer()));
    }

    static ModelFactory factory(TarflowConfig config, PluginRegistry registry) {
        return injector(config, registry).getInstance(ModelFactory.class);
    }

    static Injector injector(TarflowConfig config, PluginRegistry registry) {
        return Guice.createInjector(new TarflowModule(registry, config));
    }
}
