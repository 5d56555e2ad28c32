package org.tarflow4j.trainer.train;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.trainer.Json;
import org.tarflow4j.trainer.TarflowException;
import org.tarflow4j.trainer.config.TarflowConfig;
import org.tarflow4j.trainer.config.TrainConfig;
import org.tarflow4j.trainer.data.BatchSampler;
import org.tarflow4j.trainer.data.Corpus;
import org.tarflow4j.trainer.data.SequentialBatches;
import org.tarflow4j.trainer.data.Tokenizer;
import org.tarflow4j.trainer.model.ArBaseline;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.ModelFactory;
import org.tarflow4j.trainer.model.TarFlowLM;

/**
 * Trains a model: AdamW with decoupled weight decay on matrices, linear warmup then cosine decay, gradient clipping
 * and accumulation, optional bf16 backbones, periodic validation, atomic checkpoints ({@code last} and {@code best}),
 * metrics as JSON lines, and progressive layer-wise training. A step whose loss or gradient is not finite is not
 * applied; too many in a row end the run with the last good checkpoint intact.
 */
public final class Trainer {

    private final TarflowConfig config;
    private final ModelFactory factory;
    private final RunDirectory run;
    private final TrainingListener listener;
    private Tokenizer tokenizer;

    public Trainer(TarflowConfig config, ModelFactory factory, RunDirectory run, TrainingListener listener) {
        this.config = config;
        this.factory = factory;
        this.run = run;
        this.listener = listener;
    }

    /** How a run ended. */
    public record Outcome(
            RunDirectory run,
            long steps,
            Evaluator.Evaluation valid,
            Evaluator.Evaluation test,
            boolean characterLevel,
            double tokensPerSecond,
            double seconds,
            long parameters,
            double peakMebibytes) {}

    /** Trains from scratch, or from {@code resume} (a checkpoint of this run) when it is not null. */
    public Outcome train(Checkpoint.Meta resume) {
        TrainConfig t = config.train();
        Devices.configure(t);
        Corpus corpus = Corpus.open(config.data());
        tokenizer = corpus.tokenizer();
        ModelFactory.Built built = factory.build(corpus.tokenizer().vocabSize());
        LanguageModel model = built.model();
        Module module = model.module();
        if (model instanceof TarFlowLM flow) flow.bf16(t.bf16());
        if (model instanceof ArBaseline ar) ar.bf16(t.bf16());
        AdamW optimizer = optimizer(module, t);
        State s = resume == null ? State.fresh(t) : State.of(resume);
        run.create();
        if (resume == null) {
            run.write(run.config(), config.rawToml());
        } else {
            Checkpoint.restore(run.last(), module, optimizer);
            run.append(run.metrics(), Json.line(Map.of("event", "resumed", "step", s.step)));
        }
        int context = config.model().context();
        BatchSampler sampler = new BatchSampler(corpus.split("train"), t.batch(), context, t.seed());
        SequentialBatches valid = new SequentialBatches(
                corpus.split("valid"),
                config.eval().batch(),
                context,
                config.model().patch());
        Progressive progressive = new Progressive(model, t, s, listener);
        long parameters = java.util.Arrays.stream(module.parameters().get())
                .mapToLong(Tensor::numel)
                .sum();
        listener.started(s.step, t.steps(), parameters, run.root().toString());
        double budgetSeconds = 60 * t.minutes();
        LearningRate lr = new LearningRate(t.lr(), t.minLr(), t.warmup(), t.steps(), budgetSeconds);
        long tokensPerStep = (long) t.batch() * t.accumulate() * context;
        long started = System.nanoTime();
        long firstStep = s.step;
        int bad = 0;
        module.train(true);
        double before = s.seconds;
        while (s.step < t.steps() && !(budgetSeconds > 0 && s.seconds >= budgetSeconds)) {
            progressive.advanceIfDue(s);
            double rate = lr.at(s.step, s.seconds);
            setLearningRate(optimizer, rate);
            double loss = step(model, optimizer, sampler, s.step, t);
            double seconds = (System.nanoTime() - started) / 1e9;
            s.seconds = before + seconds;
            double tokensPerSecond = (s.step - firstStep + 1) * tokensPerStep / seconds;
            if (Double.isFinite(loss)) {
                bad = 0;
            } else if (++bad >= t.maxBadSteps()) {
                throw new TarflowException(
                        "training diverged: " + bad + " steps in a row had a non-finite loss or gradient (last at step "
                                + (s.step + 1) + "); the last good checkpoint is " + run.last()
                                + ". Lower train.lr, raise train.warmup or set train.clip.");
            } else {
                listener.warning("step " + (s.step + 1) + ": non-finite loss or gradient, step skipped (" + bad
                        + " of at most " + t.maxBadSteps() + " in a row)");
            }
            s.step++;
            listener.step(s.step, loss, rate, tokensPerSecond);
            if (s.step % t.logEvery() == 0 || s.step == t.steps())
                log(Map.of(
                        "step",
                        s.step,
                        "split",
                        "train",
                        "loss",
                        loss,
                        "lr",
                        rate,
                        "tokens_per_s",
                        tokensPerSecond,
                        "seconds",
                        s.seconds));
            if (t.evalEvery() > 0 && s.step % t.evalEvery() == 0)
                validate(model, valid, s, optimizer, built, progressive);
            if (t.checkpointEvery() > 0 && s.step % t.checkpointEvery() == 0 && bad == 0)
                save(run.last(), module, optimizer, s, built);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        save(run.last(), module, optimizer, s, built);
        Evaluator.Evaluation v = Evaluator.evaluate(
                model, valid, "valid", config.eval().samples(), config.eval().maxBatches(), t.seed());
        Evaluator.Evaluation test = Evaluator.evaluate(
                model,
                new SequentialBatches(
                        corpus.split("test"),
                        config.eval().batch(),
                        context,
                        config.model().patch()),
                "test",
                config.eval().samples(),
                config.eval().maxBatches(),
                t.seed());
        Outcome outcome = new Outcome(
                run,
                s.step,
                v,
                test,
                corpus.tokenizer().characterLevel(),
                (s.step - firstStep) * tokensPerStep / Math.max(seconds, 1e-9),
                s.seconds,
                parameters,
                PeakMemory.mebibytes());
        run.write(run.result(), Json.line(result(outcome, corpus)));
        return outcome;
    }

    /**
     * One optimizer step over {@code accumulate} micro-batches, as {@link #train} takes it (also what {@code tarflow bench
     * train} times); returns the loss, or NaN if the step was skipped.
     */
    public static double step(LanguageModel model, AdamW optimizer, BatchSampler sampler, long step, TrainConfig t) {
        try (PointerScope scope = new PointerScope()) {
            optimizer.zero_grad(true);
            double total = 0;
            for (int a = 0; a < t.accumulate(); a++) {
                long micro = step * t.accumulate() + a;
                torch.manual_seed(noiseSeed(t.seed(), micro));
                Tensor loss = model.objective(sampler.batch(micro)).loss();
                double value = loss.item_double();
                if (!Double.isFinite(value)) return Double.NaN;
                loss.div(new org.bytedeco.pytorch.Scalar((double) t.accumulate()))
                        .backward();
                total += value / t.accumulate();
            }
            double norm = torch.clip_grad_norm_(trainable(model.module()), t.clip() > 0 ? t.clip() : Double.MAX_VALUE);
            if (!Double.isFinite(norm)) return Double.NaN;
            optimizer.step();
            return total;
        }
    }

    /** The encoder noise of micro-batch {@code micro}: a function of the seed and the position in the run only. */
    static long noiseSeed(long seed, long micro) {
        long z = seed * 0x9E3779B97F4A7C15L + micro;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }

    private void validate(
            LanguageModel model,
            SequentialBatches valid,
            State s,
            AdamW optimizer,
            ModelFactory.Built built,
            Progressive progressive) {
        Evaluator.Evaluation v = Evaluator.evaluate(
                model,
                valid,
                "valid",
                1,
                config.train().evalBatches(),
                config.train().seed());
        model.module().train(true);
        boolean improved = v.natsPerToken() < s.bestValid;
        if (improved) {
            s.bestValid = v.natsPerToken();
            s.stalls = 0;
        } else {
            s.stalls++;
        }
        boolean best = improved && progressive.isFinalStage(s);
        log(Map.of("step", s.step, "split", "valid", "loss", v.natsPerToken(), "stage", s.stage, "best", best));
        listener.validated(s.step, v, best);
        if (best) save(run.best(), model.module(), optimizer, s, built);
    }

    private void save(java.nio.file.Path file, Module module, AdamW optimizer, State s, ModelFactory.Built built) {
        Checkpoint.save(
                file,
                module,
                optimizer,
                new Checkpoint.Meta(
                        Checkpoint.FORMAT,
                        s.step,
                        s.stage,
                        s.stageStart,
                        s.bestValid,
                        s.stalls,
                        config.train().seed(),
                        config.rawToml(),
                        built.components(),
                        tokenizer.name(),
                        tokenizer.vocabSize(),
                        Instant.now().toString(),
                        s.seconds));
    }

    private void log(Map<String, Object> record) {
        run.append(run.metrics(), Json.line(record));
    }

    /** AdamW with weight decay on weight matrices only (not on biases, norms, embeddings of positions or the codebook). */
    public static AdamW optimizer(Module module, TrainConfig t) {
        TensorVector decay = new TensorVector();
        TensorVector plain = new TensorVector();
        StringTensorDict named = module.named_parameters();
        for (long i = 0; i < named.size(); i++) {
            String name = named.get(i).key().getString();
            Tensor p = named.get(i).value();
            boolean matrix = p.dim() >= 2 && !name.startsWith("encoder.") && !name.endsWith("position_embedding");
            (matrix ? decay : plain).push_back(p);
        }
        AdamW adamW = new AdamW(decay, options(t, t.weightDecay()));
        adamW.add_param_group(new OptimizerParamGroup(plain, options(t, 0.0)));
        return adamW;
    }

    /**
     * AdamW's options. {@code betas()} points at a C++ {@code std::tuple<double, double>}, which libstdc++ lays out in
     * reverse: element 0 of the pointer is beta2 and element 1 is beta1 (the defaults read back as 0.999, 0.9).
     * Written the other way round, beta1 = 0.99 > √beta2 made Adam unstable and the quickstart's heads grew 4% a step.
     */
    static AdamWOptions options(TrainConfig t, double weightDecay) {
        AdamWOptions o = new AdamWOptions(t.lr());
        o.betas().put(0, t.beta2()).put(1, t.beta1());
        o.weight_decay().put(weightDecay);
        return o;
    }

    private static void setLearningRate(AdamW optimizer, double lr) {
        OptimizerParamGroupVector groups = optimizer.param_groups();
        for (long i = 0; i < groups.size(); i++) groups.get(i).options().set_lr(lr);
    }

    private static TensorVector trainable(Module module) {
        TensorVector out = new TensorVector();
        for (Tensor p : module.parameters().get()) if (p.requires_grad()) out.push_back(p);
        return out;
    }

    private Map<String, Object> result(Outcome o, Corpus corpus) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("steps", o.steps());
        r.put("seconds", o.seconds());
        r.put("tokens_per_s", o.tokensPerSecond());
        r.put("parameters", o.parameters());
        r.put("peak_rss_mib", o.peakMebibytes());
        for (Evaluator.Evaluation e : List.of(o.valid(), o.test())) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nats_per_token", e.natsPerToken());
            m.put(o.characterLevel() ? "bpc" : "ppl", o.characterLevel() ? e.bitsPerToken() : e.perplexity());
            m.put("tokens", e.tokens());
            m.put("estimator", e.estimator());
            m.put("latent_samples", e.samples());
            r.put(e.split(), m);
        }
        r.put("data", corpus.manifest());
        return r;
    }

    /** Mutable position of a run: what a checkpoint records. */
    static final class State {
        long step;
        int stage;
        long stageStart;
        double bestValid = Double.POSITIVE_INFINITY;
        int stalls;
        double seconds;

        static State fresh(TrainConfig t) {
            State s = new State();
            s.stage = t.progressive() ? 1 : 0;
            return s;
        }

        static State of(Checkpoint.Meta m) {
            State s = new State();
            s.step = m.step();
            s.stage = m.stage();
            s.stageStart = m.stageStart();
            s.bestValid = m.bestValid();
            s.stalls = m.stalls();
            s.seconds = m.seconds();
            return s;
        }
    }
}
