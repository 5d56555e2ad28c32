package org.tarflow4j.trainer.train;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
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
import org.tarflow4j.data.SequentialBatches;
import org.tarflow4j.data.Tokenizer;
import org.tarflow4j.trainer.checkpoint.Checkpoint;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.distributed.DistributedSampler;
import org.tarflow4j.trainer.distributed.GradientReducer;
import org.tarflow4j.trainer.distributed.World;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.Noise;
import org.tarflow4j.trainer.model.Parameters;
import org.tarflow4j.trainer.model.StepProfile;

/**
 * Trains a model: AdamW with decoupled weight decay on matrices, linear warmup then cosine decay, gradient clipping
 * and accumulation, optional bf16 backbones, periodic validation, atomic checkpoints ({@code last} and {@code best}),
 * metrics as JSON lines, and progressive layer-wise training. A step whose loss or gradient is not finite is not
 * applied; too many in a row end the run with the last good checkpoint intact. A SIGINT or SIGTERM ({@link Interrupts})
 * stops the run at the next step boundary with {@code last.ckpt} written.
 *
 * <p>Data-parallel training is the same loop in every rank (a single process is a world of one, where the
 * collectives do nothing): each rank reads its shard of the step's global batch, the {@link GradientReducer} averages
 * the gradients during the backward pass, every rank applies the same update, and rank 0 alone writes the run's files.
 */
public final class Trainer {
    private final TrainingSetup setup;
    private final TarflowConfig config;
    private final RunDirectory run;
    private final TrainingListener listener;
    private final String resumeCommand;
    /** The step of the checkpoint in {@code last.ckpt}, -1 while there is none. */
    private long savedStep = -1;

    private long checkedStep = -1;

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
        World world = setup.world();
        State s = resume == null ? State.fresh(t) : State.of(resume.progress());
        if (world.isMain()) run.create();
        if (resume == null) {
            if (world.isMain()) run.write(run.config(), config.rawToml());
        } else {
            Checkpoint.restore(run.last(), module, optimizer, setup.placement());
            savedStep = s.step;
            warnIfTheDataOrderChanges(resume.progress());
            if (world.isMain()) {
                run.truncateMetrics(s.step);
                run.write(run.config(), config.rawToml());
            }
        }
        log(Json.object(
                "event",
                resume == null ? "started" : "resumed",
                "step",
                s.step,
                "world_size",
                world.size(),
                "global_batch",
                setup.globalBatch()));
        SequentialBatches valid = setup.heldOut("valid");
        Metric metric = Metric.of(setup.corpus().tokenizer().characterLevel());
        Progressive progressive = new Progressive(model, t, s, listener);
        GradientReducer reducer = new GradientReducer(world, module); // every rank starts from rank 0's parameters
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
            world.status("step " + (s.step + 1) + ": forward and backward");
            Update update = update(setup, reducer, s.step);
            double loss = update.loss();
            double seconds = (System.nanoTime() - started) / 1e9;
            s.seconds = before + seconds;
            if (budgetSeconds > 0) s.seconds = world.mean(s.seconds); // the ranks stop, and decay, at the same step
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
        world.status("final evaluation");
        model.bf16(false);
        Evaluator.Evaluation v = evaluate(valid, "valid");
        Evaluator.Evaluation test = evaluate(setup.heldOut("test"), "test");
        model.bf16(t.runtime().bf16());
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
        if (world.isMain()) run.write(run.result(), Json.line(result(outcome)));
        listener.finished(outcome);
        return outcome;
    }

    /**
     * One optimizer step over {@code accumulate} micro-batches of this rank's shard, as {@link #train} takes it (also
     * what {@code tarflow bench train} times); returns the loss averaged over ranks, or NaN if the step was skipped.
     */
    public static double step(TrainingSetup setup, GradientReducer reducer, long step) {
        return update(setup, reducer, step).loss();
    }

    /**
     * What one optimizer step measured.
     *
     * @param loss         nats per token, averaged over ranks, or NaN if the step was skipped
     * @param gradientNorm the global norm of the averaged gradient before clipping, or NaN if the loss was not finite
     */
    public record Update(double loss, double gradientNorm) {}

    /**
     * {@link #step}, with the gradient norm. Every rank skips alike: a non-finite loss on any rank makes the averaged
     * loss non-finite, and the norm is that of the averaged gradient, the same everywhere.
     */
    static Update update(TrainingSetup setup, GradientReducer reducer, long step) {
        TrainConfig t = setup.config().train();
        LanguageModel model = setup.model();
        reducer.startStep();
        try (PointerScope scope = new PointerScope()) {
            setup.optimizer().zero_grad(true);
            double total = 0;
            for (int a = 0; a < t.accumulate(); a++) {
                DistributedSampler.Batch batch = setup.sampler().batch(step, a);
                torch.manual_seed(batch.generatorSeed()); // dropout; the encoder noise has generators of its own
                Tensor loss = model.objective(batch.ids(), Noise.perRow(batch.noiseSeeds()))
                        .loss()
                        .div(new Scalar((double) t.accumulate()));
                total += loss.item_double();
                StepProfile.mark("loss");
                reducer.beforeBackward(loss, a == t.accumulate() - 1); // the last backward all-reduces the gradients
                loss.backward();
                StepProfile.mark("input (backward)");
            }
            total = setup.world().mean(total);
            double clip = t.optimizer().clip();
            double norm = torch.clip_grad_norm_(trainable(model.module()), clip > 0 ? clip : Double.MAX_VALUE);
            if (!Double.isFinite(total)) return new Update(Double.NaN, Double.NaN);
            if (!Double.isFinite(norm)) return new Update(Double.NaN, norm);
            setup.optimizer().step();
            StepProfile.mark("clipping and AdamW");
            return new Update(total, norm);
        }
    }

    /**
     * The final bound on a held-out split, with {@code eval.samples} latent samples. The caller runs it in float32 even
     * under {@code train.bf16}, as {@code tarflow eval} does, so the two report the same model's bound.
     */
    private Evaluator.Evaluation evaluate(SequentialBatches batches, String split) {
        return Evaluator.evaluate(
                setup.model(),
                batches,
                split,
                config.eval().samples(),
                config.eval().maxBatches(),
                config.train().seed(),
                setup.world());
    }

    private void validate(SequentialBatches valid, State s, Progressive progressive, Metric metric) {
        LanguageModel model = setup.model();
        setup.world().status("step " + s.step + ": validation");
        Evaluator.Evaluation v = Evaluator.evaluate(
                model,
                valid,
                "valid",
                1,
                config.train().cadence().evalBatches(),
                config.train().seed(),
                setup.world());
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

    /** Rank 0 writes the checkpoint, after every rank confirmed that it holds the same parameters. */
    private void save(Path file, State s) {
        World world = setup.world();
        requireIdenticalParameters(s);
        if (!world.isMain()) return;
        world.status("step " + s.step + ": writing " + file.getFileName());
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
                    file,
                    setup.model().module(),
                    setup.optimizer(),
                    new Checkpoint.Meta(s.progress(setup.globalBatch(), world.size()), provenance));
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

    /**
     * The ranks compare digests of their parameters (an all-gather of one number each) before a checkpoint: they must
     * be identical, bit for bit. Once per step; nothing to compare in a single process.
     */
    private void requireIdenticalParameters(State s) {
        World world = setup.world();
        if (world.size() == 1 || s.step == checkedStep) return;
        world.status("step " + s.step + ": parameter check");
        long[] digests = world.gather(
                World.digest(GradientReducer.parameters(setup.model().module())));
        if (Arrays.stream(digests).distinct().count() > 1)
            throw new IllegalStateException("ranks hold different parameters at step " + s.step + " (digests by rank "
                    + Arrays.toString(digests) + "); the data-parallel engine is broken: please report it");
        log(Json.object("event", "parameters_identical", "step", s.step, "digests", Arrays.toString(digests)));
        checkedStep = s.step;
    }

    private void log(Map<String, Object> record) {
        if (setup.world().isMain()) run.append(run.metrics(), Json.line(record));
    }

    /**
     * A step's data is rows [0, global batch) of the step's row sequence: resumed with another global batch, a run
     * keeps its steps, schedule and each row's window and noise, but reads fewer or more rows per step.
     */
    private void warnIfTheDataOrderChanges(Checkpoint.Progress p) {
        if (p.globalBatch() == 0 || p.globalBatch() == setup.globalBatch()) return;
        TrainConfig t = config.train();
        listener.warning("the global batch changes from " + p.globalBatch() + " to " + setup.globalBatch()
                + " sequences per step at step " + p.step() + " ("
                + DistributedSampler.describe(
                        t.batch(),
                        setup.world().size(),
                        t.accumulate(),
                        config.model().context())
                + "); keep batch × world size × accumulate = " + p.globalBatch()
                + " (e.g. with --set train.accumulate=N) to continue the same data order");
    }

    private static void setLearningRate(AdamW optimizer, double lr) {
        OptimizerParamGroupVector groups = optimizer.param_groups();
        for (long i = 0; i < groups.size(); i++) groups.get(i).options().set_lr(lr);
    }

    private static TensorVector trainable(Module module) {
        TensorVector out = new TensorVector();
        for (Tensor p : Parameters.of(module)) if (p.requires_grad()) out.push_back(p);
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

        Checkpoint.Progress progress(long globalBatch, int worldSize) {
            return new Checkpoint.Progress(step, stage, stageStart, bestValid, stalls, seconds, globalBatch, worldSize);
        }
    }
}
