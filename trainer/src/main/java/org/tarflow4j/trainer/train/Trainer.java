package org.tarflow4j.trainer.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.core.DiskSpace;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.Metric;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.config.TrainConfig;
import org.tarflow4j.data.BatchSampler;
import org.tarflow4j.data.SequentialBatches;
import org.tarflow4j.data.Tokenizer;
import org.tarflow4j.trainer.checkpoint.Checkpoint;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.Noise;

/**
 * Trains a model: AdamW with decoupled weight decay on matrices, linear warmup then cosine decay, gradient clipping
 * and accumulation, optional bf16 backbones, periodic validation, atomic checkpoints ({@code last} and {@code best}),
 * metrics as JSON lines, and progressive layer-wise training. A step whose loss or gradient is not finite is not
 * applied; too many in a row end the run with the last good checkpoint intact. A SIGINT or SIGTERM ({@link Interrupts})
 * stops the run at the next step boundary with {@code last.ckpt} written.
 */
public final class Trainer {
    private final TrainingSetup setup;
    private final TarflowConfig config;
    private final RunDirectory run;
    private final TrainingListener listener;
    private final String resumeCommand;
    /** The step of the checkpoint in {@code last.ckpt}, -1 while there is none. */
    private long savedStep = -1;

    public Trainer(TrainingSetup setup, RunDirectory run, TrainingListener listener) {
        this(setup, run, listener, ResumeCommand.of(run.root(), null));
    }

    /** @param resumeCommand the command that continues this run, for messages */
    public Trainer(TrainingSetup setup, RunDirectory run, TrainingListener listener, String resumeCommand) {
        this.setup = setup;
        this.config = setup.config();
        this.run = run;
        this.listener = listener;
        this.resumeCommand = resumeCommand;
    }

    /** How a run ended; its bounds are reported in {@code metric}. */
    public record Outcome(
            RunDirectory run,
            long steps,
            Evaluator.Evaluation valid,
            Evaluator.Evaluation test,
            Metric metric,
            double tokensPerSecond,
            double seconds,
            long parameters,
            double peakMebibytes,
            Devices.DeviceMemory deviceMemory) {}

    /** Trains from scratch, or from {@code resume} (a checkpoint of this run) when it is not null. */
    public Outcome train(Checkpoint.Meta resume) {
        try {
            return trainRun(resume);
        } finally {
            Interrupts.disarm();
        }
    }

    private Outcome trainRun(Checkpoint.Meta resume) {
        TrainConfig t = config.train();
        LanguageModel model = setup.model();
        Module module = model.module();
        AdamW optimizer = setup.optimizer();
        State s = resume == null ? State.fresh(t) : State.of(resume.progress());
        run.create();
        if (resume == null) {
            run.write(run.config(), config.rawToml());
        } else {
            Checkpoint.restore(run.last(), module, optimizer, setup.placement());
            savedStep = s.step;
            run.truncateMetrics(s.step);
            run.write(run.config(), config.rawToml());
            run.append(run.metrics(), Json.line(Map.of("event", "resumed", "step", s.step)));
        }
        SequentialBatches valid = setup.heldOut("valid");
        Metric metric = Metric.of(setup.corpus().tokenizer().characterLevel());
        Progressive progressive = new Progressive(model, t, s, listener);
        long parameters = setup.parameters();
        listener.started(s.step, t.steps(), parameters, run.root().toString());
        double budgetSeconds = 60 * t.minutes();
        LearningRate lr = LearningRate.of(t, budgetSeconds);
        long tokensPerStep = setup.tokensPerStep();
        long started = System.nanoTime();
        long firstStep = s.step;
        int bad = 0;
        module.train(true);
        double before = s.seconds;
        Interrupts.arm();
        while (s.step < t.steps() && !(budgetSeconds > 0 && s.seconds >= budgetSeconds)) {
            if (Interrupts.pending() != null) throw interrupted(s, Interrupts.pending());
            progressive.advanceIfDue(s);
            double rate = lr.at(s.step, s.seconds);
            setLearningRate(optimizer, rate);
            Update update = update(model, optimizer, setup.sampler(), s.step, t);
            double loss = update.loss();
            double seconds = (System.nanoTime() - started) / 1e9;
            s.seconds = before + seconds;
            double tokensPerSecond = (s.step - firstStep + 1) * tokensPerStep / seconds;
            if (Double.isFinite(loss)) {
                bad = 0;
            } else if (++bad >= t.maxBadSteps()) {
                throw diverged(bad, s.step + 1);
            } else {
                listener.warning("step " + (s.step + 1) + ": non-finite loss or gradient, step skipped (" + bad
                        + " of at most " + t.maxBadSteps() + " in a row)");
            }
            s.step++;
            listener.step(new TrainingListener.Step(s.step, loss, rate, tokensPerSecond, update.gradientNorm()));
            if (s.step % t.cadence().logEvery() == 0 || s.step == t.steps())
                log(Json.object(
                        "step",
                        s.step,
                        "split",
                        "train",
                        "loss",
                        loss,
                        metric.key(),
                        metric.of(loss),
                        "lr",
                        rate,
                        "tokens_per_s",
                        tokensPerSecond,
                        "seconds",
                        s.seconds));
            if (t.cadence().evalEvery() > 0 && s.step % t.cadence().evalEvery() == 0)
                validate(valid, s, progressive, metric);
            if (t.cadence().checkpointEvery() > 0 && s.step % t.cadence().checkpointEvery() == 0 && bad == 0)
                save(run.last(), s);
        }
        save(run.last(), s);
        if (Interrupts.pending() != null) throw interrupted(s, Interrupts.pending());
        Interrupts.disarm();
        Evaluator.Evaluation v = evaluate(valid, "valid");
        Evaluator.Evaluation test = evaluate(setup.heldOut("test"), "test");
        Outcome outcome = new Outcome(
                run,
                s.step,
                v,
                test,
                metric,
                s.step * tokensPerStep / Math.max(s.seconds, 1e-9),
                s.seconds,
                parameters,
                PeakMemory.mebibytes(),
                Devices.memory(setup.placement()));
        run.write(run.result(), Json.line(result(outcome)));
        listener.finished(outcome);
        return outcome;
    }

    /**
     * One optimizer step over {@code accumulate} micro-batches, as {@link #train} takes it (also what {@code tarflow bench
     * train} times); returns the loss, or NaN if the step was skipped.
     */
    public static double step(LanguageModel model, AdamW optimizer, BatchSampler sampler, long step, TrainConfig t) {
        return update(model, optimizer, sampler, step, t).loss();
    }

    /**
     * What one optimizer step measured.
     *
     * @param loss         nats per token, or NaN if the step was skipped
     * @param gradientNorm the global gradient norm before clipping, or NaN if the loss was not finite
     */
    public record Update(double loss, double gradientNorm) {}

    /** {@link #step}, with the gradient norm. */
    static Update update(LanguageModel model, AdamW optimizer, BatchSampler sampler, long step, TrainConfig t) {
        try (PointerScope scope = new PointerScope()) {
            optimizer.zero_grad(true);
            double total = 0;
            for (int a = 0; a < t.accumulate(); a++) {
                long micro = step * t.accumulate() + a;
                long seed = noiseSeed(t.seed(), micro);
                torch.manual_seed(seed); // dropout, which draws on the device
                Tensor loss =
                        model.objective(sampler.batch(micro), new Noise(seed)).loss();
                double value = loss.item_double();
                if (!Double.isFinite(value)) return new Update(Double.NaN, Double.NaN);
                loss.div(new Scalar((double) t.accumulate())).backward();
                total += value / t.accumulate();
            }
            double clip = t.optimizer().clip();
            double norm = torch.clip_grad_norm_(trainable(model.module()), clip > 0 ? clip : Double.MAX_VALUE);
            if (!Double.isFinite(norm)) return new Update(Double.NaN, norm);
            optimizer.step();
            return new Update(total, norm);
        }
    }

    /** The encoder noise of micro-batch {@code micro}: a function of the seed and the position in the run only. */
    static long noiseSeed(long seed, long micro) {
        long z = seed * 0x9E3779B97F4A7C15L + micro;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }

    /** The final bound on a held-out split, with {@code eval.samples} latent samples. */
    private Evaluator.Evaluation evaluate(SequentialBatches batches, String split) {
        return Evaluator.evaluate(
                setup.model(),
                batches,
                split,
                config.eval().samples(),
                config.eval().maxBatches(),
                config.train().seed());
    }

    private void validate(SequentialBatches valid, State s, Progressive progressive, Metric metric) {
        LanguageModel model = setup.model();
        Evaluator.Evaluation v = Evaluator.evaluate(
                model,
                valid,
                "valid",
                1,
                config.train().cadence().evalBatches(),
                config.train().seed());
        boolean improved = v.natsPerToken() < s.bestValid;
        if (improved) {
            s.bestValid = v.natsPerToken();
            s.stalls = 0;
        } else {
            s.stalls++;
        }
        boolean best = improved && progressive.isFinalStage(s);
        log(Json.object(
                "step",
                s.step,
                "split",
                "valid",
                "loss",
                v.natsPerToken(),
                metric.key(),
                metric.of(v.natsPerToken()),
                "seconds",
                s.seconds,
                "stage",
                s.stage,
                "best",
                best));
        listener.validated(
                s.step,
                v,
                best,
                new LoadedModel(run.last(), config, model, setup.corpus().tokenizer()));
        model.module().train(true);
        if (best) save(run.best(), s);
    }

    /** Training stopped at a signal: {@code last.ckpt} written at this step boundary, and how to continue. */
    private TrainingInterrupted interrupted(State s, sun.misc.Signal signal) {
        if (savedStep != s.step) save(run.last(), s);
        return new TrainingInterrupted(
                "stopped by SIG" + signal.getName() + " at step " + s.step + " of "
                        + config.train().steps() + "; " + run.last() + " holds it; continue with: " + resumeCommand,
                signal.getNumber());
    }

    /** Too many non-finite steps in a row: where to go on from, or that there is nothing to go on from yet. */
    private TarflowException diverged(int bad, long step) {
        String fix =
                "lower train.lr (now " + config.train().optimizer().lr() + "), raise train.warmup or set train.clip";
        String where = savedStep >= 0
                ? "the last good checkpoint is " + run.last() + " (step " + savedStep + "); " + fix
                        + " and continue from it with: " + resumeCommand + " --set train.lr="
                        + config.train().optimizer().lr() / 10
                : "no checkpoint was written yet (the first was due at step "
                        + (config.train().cadence().checkpointEvery() > 0
                                ? config.train().cadence().checkpointEvery()
                                : config.train().steps())
                        + "); " + fix + " and train again (--overwrite replaces this run directory)";
        return new TarflowException("training diverged: " + bad + " steps in a row had a non-finite loss or gradient"
                + " (last at step " + step + "); " + where);
    }

    private void save(Path file, State s) {
        Tokenizer tokenizer = setup.corpus().tokenizer();
        Checkpoint.Provenance provenance = new Checkpoint.Provenance(
                config.rawToml(),
                setup.built().components(),
                tokenizer.name(),
                tokenizer.vocabSize(),
                config.train().seed(),
                Instant.now().toString(),
                setup.corpus().manifest());
        try {
            Checkpoint.save(
                    file, setup.model().module(), setup.optimizer(), new Checkpoint.Meta(s.progress(), provenance));
        } catch (TarflowException e) {
            String then = DiskSpace.isFull(e) ? "free space, then " : "fix that, then ";
            String previous = Files.exists(file)
                    ? "; the previous " + file.getFileName()
                            + (file.equals(run.last()) ? " (step " + savedStep + ")" : "") + " is intact"
                    : "";
            throw new TarflowException(
                    e.getMessage() + previous + "; "
                            + (savedStep >= 0
                                    ? then + "continue with: " + resumeCommand
                                    : then + "train again (--overwrite replaces this run directory)"),
                    e);
        }
        if (file.equals(run.last())) savedStep = s.step;
    }

    private void log(Map<String, Object> record) {
        run.append(run.metrics(), Json.line(record));
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

    private Map<String, Object> result(Outcome o) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("steps", o.steps());
        r.put("seconds", o.seconds());
        r.put("tokens_per_s", o.tokensPerSecond());
        r.put("parameters", o.parameters());
        r.put("peak_rss_mib", o.peakMebibytes());
        r.put("device", setup.placement().name());
        if (o.deviceMemory() != null) {
            r.put("device_peak_allocated_mib", o.deviceMemory().peakAllocatedMiB());
            r.put("device_peak_reserved_mib", o.deviceMemory().peakReservedMiB());
        }
        for (Evaluator.Evaluation e : List.of(o.valid(), o.test())) r.put(e.split(), e.report(o.metric()));
        r.put("data", setup.corpus().manifest());
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
            s.stage = t.progressive().enabled() ? 1 : 0;
            return s;
        }

        static State of(Checkpoint.Progress p) {
            State s = new State();
            s.step = p.step();
            s.stage = p.stage();
            s.stageStart = p.stageStart();
            s.bestValid = p.bestValid();
            s.stalls = p.stalls();
            s.seconds = p.seconds();
            return s;
        }

        Checkpoint.Progress progress() {
            return new Checkpoint.Progress(step, stage, stageStart, bestValid, stalls, seconds);
        }
    }
}
