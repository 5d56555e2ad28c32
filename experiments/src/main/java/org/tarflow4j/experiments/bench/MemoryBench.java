package org.tarflow4j.experiments.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.data.Corpus;
import org.tarflow4j.trainer.assembly.TarflowModule;
import org.tarflow4j.trainer.distributed.GradientReducer;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.StepProfile;
import org.tarflow4j.trainer.train.Devices;
import org.tarflow4j.trainer.train.MemoryEstimate;
import org.tarflow4j.trainer.train.PeakMemory;
import org.tarflow4j.trainer.train.Trainer;
import org.tarflow4j.trainer.train.TrainingSetup;

/**
 * Peak memory and step time of a configuration's TarFlowLM and of its {@code ar} baseline at the same shape, measured
 * one after the other in one process on the CPU, each against {@link MemoryEstimate}. Before each model the freed
 * native memory goes back to the kernel and the peak ({@code VmHWM}) starts afresh; the model, its optimizer and its
 * steps then run in a pointer scope that frees them when it closes. A model's measured peak is the process's peak
 * during its build and steps, less what was resident before it, plus the process's own footprint before any model
 * (what the estimate's runtime term stands for): the peak the process would reach with that model alone.
 */
public final class MemoryBench {
    /** The estimate must lie within this fraction of the measured peak. */
    public static final double TARGET_ESTIMATE_ERROR = 0.25;

    public static final double TARGET_FLOW_OVER_AR_MEMORY = 2.0;
    public static final double TARGET_FLOW_OVER_AR_TIME = 3.0;

    /** Memory the largest batch is sought for. */
    public static final double BUDGET_GIB = 20;

    private static final double MIB = 1 << 20;

    private MemoryBench() {}

    /**
     * One model at the config's shape.
     *
     * @param residentBeforeMiB resident memory before the model was built
     * @param peakMiB           measured peak of the model alone (see the class comment)
     * @param estimateMiB       {@link MemoryEstimate} of the model
     * @param secondsPerStep    median of the timed steps
     * @param cpuSecondsPerStep median of the process's CPU time (every thread, user and system) in the timed steps: what
     *                          a step costs whatever else the machine runs, where the wall-clock time of two models
     *                          measured one after the other also carries the changing load of other processes
     * @param profile           where the time of one more step went (after the timed ones)
     */
    public record Measurement(
            String model,
            int batch,
            int context,
            double residentBeforeMiB,
            double peakMiB,
            double estimateMiB,
            double secondsPerStep,
            double cpuSecondsPerStep,
            Map<String, Double> estimateTerms,
            TrainBench.Profile profile) {
        public double estimateError() {
            return estimateMiB / peakMiB - 1;
        }
    }

    /** The flow model's largest {@code train.batch} at a context whose estimate fits {@link #BUDGET_GIB}. */
    public record Largest(int context, int batch, double estimateGiB) {
        public long tokens() {
            return (long) batch * context;
        }
    }

    public record Report(
            String config,
            int threads,
            double runtimeMiB,
            List<Measurement> measurements,
            List<TrainBench.Target> targets,
            List<Largest> largest) {
        public String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("config", config);
            m.put("threads", threads);
            m.put("runtime_mib", runtimeMiB);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Measurement x : measurements)
                rows.add(Json.object(
                        "model",
                        x.model(),
                        "batch",
                        x.batch(),
                        "context",
                        x.context(),
                        "resident_before_mib",
                        x.residentBeforeMiB(),
                        "peak_mib",
                        x.peakMiB(),
                        "estimate_mib",
                        x.estimateMiB(),
                        "estimate_error",
                        x.estimateError(),
                        "seconds_per_step",
                        x.secondsPerStep(),
                        "cpu_seconds_per_step",
                        x.cpuSecondsPerStep(),
                        "estimate_terms_mib",
                        x.estimateTerms(),
                        "profile_ms",
                        x.profile().millisecondsPerSection()));
            m.put("models", rows);
            List<Map<String, Object>> t = new ArrayList<>();
            for (TrainBench.Target target : targets)
                t.add(Json.object(
                        "name", target.name(), "value", target.value(), "bound", target.bound(), "met", target.met()));
            m.put("targets", t);
            List<Map<String, Object>> l = new ArrayList<>();
            for (Largest x : largest)
                l.add(Json.object(
                        "context",
                        x.context(),
                        "batch",
                        x.batch(),
                        "tokens",
                        x.tokens(),
                        "estimate_gib",
                        x.estimateGiB()));
            m.put("largest_flow_batch_in_" + (int) BUDGET_GIB + "_gib", l);
            return Json.line(m);
        }
    }

    /**
     * Measures {@code file} (null: the built-in default) with {@code overrides}: {@code steps} timed steps per model
     * after one untimed step; the largest flow batch is sought for each of {@code contexts}.
     */
    public static Report run(
            Path file,
            List<String> overrides,
            PluginRegistry registry,
            int steps,
            List<Integer> contexts,
            Consumer<String> log) {
        TarflowConfig flowConfig = ConfigLoader.load(file, overrides);
        if (!flowConfig.model().isFlow())
            throw new TarflowException("tarflow bench memory compares a TarFlowLM with its ar baseline: give a flow"
                    + " config (model.kind = \"flow\"); the baseline is built from its [ar] table");
        if (!flowConfig.train().runtime().device().startsWith("cpu"))
            throw new TarflowException(
                    "tarflow bench memory measures resident memory on the CPU: set train.device=cpu");
        List<String> arOverrides = new ArrayList<>(overrides);
        arOverrides.add("model.kind=ar");
        TarflowConfig arConfig = ConfigLoader.load(file, arOverrides);
        Corpus.open(flowConfig.data(), log);
        try (PointerScope scope = new PointerScope()) {
            // libtorch's libraries and allocator belong to the runtime, not to the first model measured
            Tensor ones = torch.ones(new long[] {64, 64}, Placement.CPU.options(torch.ScalarType.Float));
            ones.matmul(ones).sum();
        }
        System.gc();
        PeakMemory.reset();
        double runtime = PeakMemory.residentMebibytes();
        List<Measurement> out = new ArrayList<>();
        for (TarflowConfig config : List.of(arConfig, flowConfig)) {
            String name = config.model().isFlow() ? "flow" : "ar";
            log.accept(name + ": " + config.train().batch() + " × "
                    + config.model().context() + " tokens, 1 + " + steps + " steps");
            out.add(measure(name, config, registry, steps, runtime));
        }
        Measurement ar = out.get(0);
        Measurement flow = out.get(1);
        List<TrainBench.Target> targets = new ArrayList<>();
        for (Measurement x : out)
            targets.add(new TrainBench.Target(
                    x.model() + " |estimate / measured peak − 1|",
                    Math.abs(x.estimateError()),
                    false,
                    TARGET_ESTIMATE_ERROR));
        targets.add(new TrainBench.Target(
                "flow peak / ar peak", flow.peakMiB() / ar.peakMiB(), false, TARGET_FLOW_OVER_AR_MEMORY));
        targets.add(new TrainBench.Target(
                "flow step time / ar step time",
                flow.secondsPerStep() / ar.secondsPerStep(),
                false,
                TARGET_FLOW_OVER_AR_TIME));
        targets.add(new TrainBench.Target(
                "flow step CPU time / ar step CPU time",
                flow.cpuSecondsPerStep() / ar.cpuSecondsPerStep(),
                false,
                TARGET_FLOW_OVER_AR_TIME));
        List<Largest> largest = new ArrayList<>();
        for (int context : contexts) largest.add(largest(file, overrides, registry, context));
        return new Report(flowConfig.source(), torch.get_num_threads(), runtime, out, targets, largest);
    }

    private static Measurement measure(
            String name, TarflowConfig config, PluginRegistry registry, int steps, double runtime) {
        System.gc();
        PeakMemory.reset();
        double before = PeakMemory.residentMebibytes();
        double[] seconds = new double[steps];
        double[] cpuSeconds = new double[steps];
        MemoryEstimate estimate;
        TrainBench.Profile profile;
        try (PointerScope scope = new PointerScope()) {
            TrainingSetup setup = TrainingSetup.of(config, TarflowModule.assembly(config, registry));
            LanguageModel model = setup.model();
            estimate = MemoryEstimate.of(config, model);
            model.module().train(true);
            GradientReducer reducer = new GradientReducer(setup.world(), model.module());
            Trainer.step(setup, reducer, 0);
            for (int i = 0; i < steps; i++) {
                long at = i + 1;
                double cpu = processCpuSeconds();
                seconds[i] = Stopwatch.seconds(setup.placement(), () -> Trainer.step(setup, reducer, at));
                cpuSeconds[i] = processCpuSeconds() - cpu;
            }
            StepProfile p = StepProfile.start(() -> Devices.synchronize(setup.placement()));
            try {
                Trainer.step(setup, reducer, steps + 1);
            } finally {
                profile = TrainBench.Profile.of(name, "fp32", List.of(p.stop()));
            }
        }
        double peak = PeakMemory.mebibytes() - before + runtime;
        Map<String, Double> terms = new LinkedHashMap<>();
        estimate.terms().forEach((k, v) -> terms.put(k, v / MIB));
        return new Measurement(
                name,
                config.train().batch(),
                config.model().context(),
                before,
                peak,
                estimate.bytes() / MIB,
                Stopwatch.median(seconds),
                Stopwatch.median(cpuSeconds),
                terms,
                profile);
    }

    /**
     * The CPU time this process has used so far: on Linux the sum over its threads of the scheduler's run time
     * ({@code /proc/self/task/N/schedstat}, nanoseconds, native worker threads included); elsewhere what
     * {@link ProcessHandle} tells, which counts in clock ticks (10 ms) and so cannot resolve a tiny model's step; NaN
     * where neither does.
     */
    private static double processCpuSeconds() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            long nanos = 0;
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    nanos += Long.parseLong(
                            Files.readString(task.resolve("schedstat")).split(" ")[0]);
                } catch (NoSuchFileException ended) {
                    // a thread that ended since the listing has nothing more to add
                }
            }
            return nanos / 1e9;
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.current()
                    .info()
                    .totalCpuDuration()
                    .map(d -> d.toNanos() / 1e9)
                    .orElse(Double.NaN);
        }
    }

    /** The estimate at batch 1 and 2 of the flow model at {@code context}: it is affine in the batch. */
    private static Largest largest(Path file, List<String> overrides, PluginRegistry registry, int context) {
        double[] bytes = new double[2];
        for (int b = 1; b <= 2; b++) {
            List<String> o = new ArrayList<>(overrides);
            o.add("model.context=" + context);
            o.add("train.batch=" + b);
            TarflowConfig config = ConfigLoader.load(file, o);
            try (PointerScope scope = new PointerScope()) {
                LanguageModel model = TarflowModule.assembly(config, registry)
                        .build(Corpus.open(config.data()).tokenizer().vocabSize())
                        .model();
                bytes[b - 1] = MemoryEstimate.of(config, model).bytes();
            }
        }
        double perSequence = bytes[1] - bytes[0];
        double budget = BUDGET_GIB * (1L << 30);
        int batch = (int) Math.max(0, Math.floor((budget - bytes[0]) / perSequence) + 1);
        return new Largest(context, batch, (bytes[0] + (batch - 1) * perSequence) / (1L << 30));
    }
}
