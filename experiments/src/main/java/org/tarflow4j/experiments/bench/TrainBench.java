package org.tarflow4j.experiments.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.config.TrainConfig;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.data.Corpus;
import org.tarflow4j.trainer.assembly.TarflowModule;
import org.tarflow4j.trainer.distributed.GradientReducer;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.Precision;
import org.tarflow4j.trainer.model.StepProfile;
import org.tarflow4j.trainer.train.Devices;
import org.tarflow4j.trainer.train.PeakMemory;
import org.tarflow4j.trainer.train.Trainer;
import org.tarflow4j.trainer.train.TrainingSetup;

/**
 * Training throughput of a configuration's TarFlowLM and of its {@code ar} baseline ({@code model.kind = "ar"} with
 * the config's {@code [ar]} table), each in float32 and with bf16 backbones, measured in one process together with
 * the matmul peak they are compared to. A step is {@link Trainer#step} itself: the model's objective on a batch of
 * the corpus's training windows, backward, clipping and the AdamW update, all layers active (progressive training
 * is not staged here) and the learning rate at its peak. Step times are medians after warm-up steps.
 */
public final class TrainBench {
    /** The flow's backbones at 40% of the matmul peak or more inside a whole step (the ar baseline's reach 46%). */
    public static final double TARGET_PEAK_FRACTION = 0.40;
    /** A flow step at most 1.25 times the ar baseline's per token (the built-in default: 1.19 – 1.21 in fp32). */
    public static final double TARGET_FLOW_OVER_AR = 1.25;

    public static final double TARGET_BF16_SPEEDUP = 1.6;
    private static final List<String> THREAD_VARIABLES = List.of(
            "OMP_NUM_THREADS",
            "OMP_WAIT_POLICY",
            "OPENBLAS_NUM_THREADS",
            "OPENBLAS_THREAD_TIMEOUT",
            "MALLOC_MMAP_THRESHOLD_",
            "MALLOC_TRIM_THRESHOLD_",
            "MALLOC_TOP_PAD_");

    private TrainBench() {}

    /**
     * The measurements are taken in rounds, each of which times the matmuls and then every model in every precision
     * for its share of the steps, so that the ratios compare times taken close together on a machine whose load
     * changes.
     *
     * @param steps         timed steps per model and precision, over all rounds
     * @param warmup        untimed steps before the first timed step of a model and precision (one in later rounds)
     * @param rounds        rounds
     * @param matmulSize    n of the {@code n×n} matmul peak
     * @param matmulRepeats timed matmuls per dtype, over all rounds
     */
    public record Settings(int steps, int warmup, int rounds, int matmulSize, int matmulRepeats) {
        public Settings {
            if (steps < 1 || warmup < 0 || rounds < 1 || rounds > steps || matmulSize < 1 || matmulRepeats < rounds)
                throw new IllegalArgumentException(
                        "bench settings need steps >= rounds >= 1, matmul repeats >= rounds, warmup >= 0: " + this);
        }

        public static Settings standard(int steps) {
            return new Settings(steps, 3, Math.min(steps, 4), 2048, 12);
        }

        /** Of {@code total} things, round {@code r}'s share. */
        int share(int total, int r) {
            return total / rounds + (r < total % rounds ? 1 : 0);
        }
    }

    /**
     * One model in one precision.
     *
     * @param secondsPerStep median over the applied steps
     * @param skipped        steps the trainer skipped (non-finite loss or gradient), left out of the median
     * @param flopsPerStep   backbone FLOPs of one training step ({@link BackboneFlops#FORMULA})
     */
    public record Throughput(
            String model,
            String precision,
            long tokensPerStep,
            double secondsPerStep,
            int skipped,
            double flopsPerStep) {
        public double tokensPerSecond() {
            return tokensPerStep / secondsPerStep;
        }

        public double flopsPerSecond() {
            return flopsPerStep / secondsPerStep;
        }
    }

    /**
     * The model's backbones alone, forward and backward on random inputs of a step's shapes, no optimizer: how fast the
     * backbone code runs by itself, in float32 or under bf16 autocast.
     */
    public record BackbonesAlone(String model, String precision, double secondsPerPass, double flopsPerPass) {
        public double flopsPerSecond() {
            return flopsPerPass / secondsPerPass;
        }
    }

    /**
     * Where one model's training step goes in one precision ({@link StepProfile}): the median seconds of each section
     * over the profiled steps, in the order the step reaches them, forward sections first. Profiled steps are taken
     * apart from the timed ones (the profile's hooks and device synchronisations cost a little).
     */
    public record Profile(String model, String precision, int steps, Map<String, Double> sections) {
        public double total() {
            return sections.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        /** The sections in milliseconds, for JSON. */
        public Map<String, Object> millisecondsPerSection() {
            Map<String, Object> ms = new LinkedHashMap<>();
            sections.forEach((k, v) -> ms.put(k, v * 1e3));
            return ms;
        }

        static Profile of(String model, String precision, List<Map<String, Double>> steps) {
            Map<String, Double> median = new LinkedHashMap<>();
            for (Map<String, Double> step : steps)
                for (String section : step.keySet()) median.putIfAbsent(section, 0.0);
            for (String section : median.keySet())
                median.put(
                        section,
                        Stopwatch.median(steps.stream()
                                .mapToDouble(m -> m.getOrDefault(section, 0.0))
                                .toArray()));
            return new Profile(model, precision, steps.size(), median);
        }
    }

    /** A stated target: {@code value ≥ bound} when {@code atLeast}, else {@code value ≤ bound}. */
    public record Target(String name, double value, boolean atLeast, double bound) {
        public boolean met() {
            return atLeast ? value >= bound : value <= bound;
        }
    }

    /**
     * @param environment the variables that decide how libtorch's and OpenBLAS's worker threads wait (spinning workers
     *                    slow everything down on a busy machine) and how glibc reuses freed tensor buffers (see the
     *                    launcher), {@code unset} where absent
     */
    public record Report(
            String config,
            int threads,
            Map<String, String> environment,
            MatmulPeak peak,
            List<BackboneFlops> flowBackbones,
            List<BackboneFlops> arBackbones,
            List<Throughput> throughputs,
            List<BackbonesAlone> backbonesAlone,
            List<Target> targets,
            List<Profile> profiles,
            double peakMemoryMiB,
            String device,
            Devices.DeviceMemory deviceMemory) {
        public Throughput throughput(String model, String precision) {
            return find(throughputs, model, precision);
        }

        public String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("config", config);
            m.put("threads", threads);
            m.put("environment", environment);
            m.put(
                    "matmul",
                    Json.object(
                            "size",
                            peak.size(),
                            "repeats",
                            peak.repeats(),
                            "fp32_gflop_per_s",
                            peak.fp32(),
                            "bf16_gflop_per_s",
                            peak.bf16()));
            m.put("flop_formula", BackboneFlops.FORMULA);
            m.put("flow_backbones", flopsJson(flowBackbones));
            m.put("ar_backbones", flopsJson(arBackbones));
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Throughput t : throughputs) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("model", t.model());
                r.put("precision", t.precision());
                r.put("ms_per_step", t.secondsPerStep() * 1e3);
                r.put("tokens_per_s", t.tokensPerSecond());
                r.put("tokens_per_step", t.tokensPerStep());
                r.put("skipped_steps", t.skipped());
                r.put("backbone_gflop_per_step", t.flopsPerStep() / 1e9);
                r.put("backbone_gflop_per_s", t.flopsPerSecond() / 1e9);
                r.put("fraction_of_fp32_peak", t.flopsPerSecond() / 1e9 / peak.fp32());
                r.put("fraction_of_bf16_peak", t.flopsPerSecond() / 1e9 / peak.bf16());
                rows.add(r);
            }
            m.put("training", rows);
            List<Map<String, Object>> alone = new ArrayList<>();
            for (BackbonesAlone a : backbonesAlone)
                alone.add(Json.object(
                        "model",
                        a.model(),
                        "precision",
                        a.precision(),
                        "ms_per_pass",
                        a.secondsPerPass() * 1e3,
                        "gflop_per_s",
                        a.flopsPerSecond() / 1e9,
                        "fraction_of_fp32_peak",
                        a.flopsPerSecond() / 1e9 / peak.fp32()));
            m.put("backbones_alone", alone);
            List<Map<String, Object>> targetRows = new ArrayList<>();
            for (Target t : targets)
                targetRows.add(Json.object(
                        "name",
                        t.name(),
                        "value",
                        t.value(),
                        "bound",
                        t.bound(),
                        "at_least",
                        t.atLeast(),
                        "met",
                        t.met()));
            m.put("targets", targetRows);
            List<Map<String, Object>> profileRows = new ArrayList<>();
            for (Profile p : profiles)
                profileRows.add(Json.object(
                        "model",
                        p.model(),
                        "precision",
                        p.precision(),
                        "steps",
                        p.steps(),
                        "ms_per_section",
                        p.millisecondsPerSection()));
            m.put("profiles", profileRows);
            m.put("vmhwm_mib", peakMemoryMiB);
            m.put("device", device);
            if (deviceMemory != null) {
                m.put("device_peak_allocated_mib", deviceMemory.peakAllocatedMiB());
                m.put("device_peak_reserved_mib", deviceMemory.peakReservedMiB());
            }
            return Json.line(m);
        }

        private static List<Map<String, Object>> flopsJson(List<BackboneFlops> flops) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (BackboneFlops f : flops)
                out.add(Json.object(
                        "positions", f.positions(), "forward_gflop_per_sequence", f.forwardPerSequence() / 1e9));
            return out;
        }
    }

    /** Runs the benchmark on {@code file} (null: the built-in default) with {@code overrides}; progress goes to {@code log}. */
    public static Report run(
            Path file, List<String> overrides, PluginRegistry registry, Settings s, Consumer<String> log) {
        TarflowConfig flowConfig = ConfigLoader.load(file, overrides, registry);
        flowConfig.notes().forEach(note -> log.accept("note: " + note));
        if (!flowConfig.model().isFlow())
            throw new TarflowException(
                    "tarflow bench train compares a TarFlowLM with its ar baseline: give a flow config"
                            + " (model.kind = \"flow\"); the baseline is built from its [ar] table");
        List<String> arOverrides = new ArrayList<>(overrides);
        arOverrides.add("model.kind=ar");
        TarflowConfig arConfig = ConfigLoader.load(file, arOverrides, registry);
        Corpus.open(flowConfig.data(), log);
        Session flow = new Session("flow", flowConfig, registry);
        Session ar = new Session("ar", arConfig, registry);
        List<Session> sessions = List.of(flow, ar);
        Placement placement = flow.placement;
        Devices.resetPeakMemory(placement);
        double[][] matmul = new double[2][0];
        for (int r = 0; r < s.rounds(); r++) {
            log.accept("round " + (r + 1) + " of " + s.rounds() + ": matmul " + s.matmulSize()
                    + "² fp32 and bf16, then " + s.share(s.steps(), r)
                    + " steps of flow and ar in fp32 and bf16, and of their backbones alone");
            matmul[0] = concat(
                    matmul[0],
                    MatmulPeak.rates(placement, s.matmulSize(), s.share(s.matmulRepeats(), r), torch.ScalarType.Float));
            matmul[1] = concat(
                    matmul[1],
                    MatmulPeak.rates(
                            placement, s.matmulSize(), s.share(s.matmulRepeats(), r), torch.ScalarType.BFloat16));
            for (boolean bf16 : new boolean[] {false, true})
                for (Session session : sessions) session.time(bf16, r == 0 ? s.warmup() : 1, s.share(s.steps(), r));
            for (boolean bf16 : new boolean[] {false, true})
                for (Session session : sessions)
                    session.timeBackbones(bf16, r == 0 ? s.warmup() : 1, s.share(s.steps(), r));
            for (Session session : sessions) session.profile();
        }
        MatmulPeak peak = new MatmulPeak(
                s.matmulSize(), s.matmulRepeats(), Stopwatch.median(matmul[0]), Stopwatch.median(matmul[1]));
        List<Throughput> throughputs = new ArrayList<>();
        for (Session session : sessions)
            for (boolean bf16 : new boolean[] {false, true}) throughputs.add(session.throughput(bf16));
        List<BackbonesAlone> alone = new ArrayList<>();
        for (Session session : sessions)
            for (boolean bf16 : new boolean[] {false, true}) alone.add(session.backbonesAlone(bf16));
        return new Report(
                flowConfig.source(),
                torch.get_num_threads(),
                environment(),
                peak,
                flow.flops,
                ar.flops,
                throughputs,
                alone,
                targets(peak, throughputs),
                List.of(Profile.of("flow", "fp32", flow.profiles), Profile.of("ar", "fp32", ar.profiles)),
                PeakMemory.mebibytes(),
                placement.name(),
                Devices.memory(placement));
    }

    private static Map<String, String> environment() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : THREAD_VARIABLES) out.put(name, System.getenv().getOrDefault(name, "unset"));
        return out;
    }

    private static List<Target> targets(MatmulPeak peak, List<Throughput> throughputs) {
        List<Target> out = new ArrayList<>();
        for (String model : List.of("flow", "ar"))
            out.add(new Target(
                    model + " backbone FLOP/s / fp32 matmul peak (fp32 training)",
                    find(throughputs, model, "fp32").flopsPerSecond() / 1e9 / peak.fp32(),
                    true,
                    TARGET_PEAK_FRACTION));
        for (String precision : List.of("fp32", "bf16"))
            out.add(new Target(
                    "flow / ar step time per token (" + precision + ")",
                    perToken(find(throughputs, "flow", precision)) / perToken(find(throughputs, "ar", precision)),
                    false,
                    TARGET_FLOW_OVER_AR));
        for (String model : List.of("flow", "ar"))
            out.add(new Target(
                    model + " bf16 speed-up (fp32 step time / bf16 step time)",
                    find(throughputs, model, "fp32").secondsPerStep()
                            / find(throughputs, model, "bf16").secondsPerStep(),
                    true,
                    TARGET_BF16_SPEEDUP));
        return out;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Throughput find(List<Throughput> throughputs, String model, String precision) {
        return throughputs.stream()
                .filter(t -> t.model().equals(model) && t.precision().equals(precision))
                .findFirst()
                .orElseThrow();
    }

    private static double perToken(Throughput t) {
        return t.secondsPerStep() / t.tokensPerStep();
    }

    /** One model with its optimizer and sampler, stepped by the trainer's own step. */
    private static final class Session {
        final String name;
        final TrainingSetup setup;
        final LanguageModel model;
        final Placement placement;
        final TrainConfig train;
        final GradientReducer reducer;
        final List<BackboneFlops> flops = new ArrayList<>();
        final long channels;
        final long positions;
        final List<Double> fp32Seconds = new ArrayList<>();
        final List<Double> bf16Seconds = new ArrayList<>();
        final List<Double> fp32BackboneSeconds = new ArrayList<>();
        final List<Double> bf16BackboneSeconds = new ArrayList<>();
        final List<Map<String, Double>> profiles = new ArrayList<>();
        int fp32Skipped;
        int bf16Skipped;
        long step;

        Session(String name, TarflowConfig config, PluginRegistry registry) {
            this.name = name;
            setup = TrainingSetup.of(config, TarflowModule.assembly(config, registry));
            model = setup.model();
            placement = setup.placement();
            train = config.train();
            reducer = new GradientReducer(setup.world(), model.module());
            boolean flow = config.model().isFlow();
            positions = flow ? config.model().positions() : config.model().context();
            channels = flow ? config.model().channels() : config.ar().embedding();
            for (Backbone b : model.backbones()) flops.add(BackboneFlops.of(b, positions));
            model.module().train(true);
        }

        long sequencesPerStep() {
            return (long) train.batch() * train.accumulate();
        }

        double flopsPerStep() {
            return flops.stream()
                    .mapToDouble(f -> f.training(sequencesPerStep()))
                    .sum();
        }

        /** Takes {@code warmup} untimed and {@code steps} timed training steps in the given precision. */
        void time(boolean bf16, int warmup, int steps) {
            precision(bf16);
            for (int i = 0; i < warmup; i++) Trainer.step(setup, reducer, step++);
            for (int i = 0; i < steps; i++) {
                double[] loss = new double[1];
                double seconds = Stopwatch.seconds(placement, () -> loss[0] = Trainer.step(setup, reducer, step++));
                if (Double.isFinite(loss[0])) (bf16 ? bf16Seconds : fp32Seconds).add(seconds);
                else if (bf16) bf16Skipped++;
                else fp32Skipped++;
            }
        }

        /** One training step in float32 with a {@link StepProfile}. */
        void profile() {
            precision(false);
            StepProfile p = StepProfile.start(() -> Devices.synchronize(placement));
            try {
                Trainer.step(setup, reducer, step++);
            } finally {
                profiles.add(p.stop());
            }
        }

        Throughput throughput(boolean bf16) {
            double[] seconds = (bf16 ? bf16Seconds : fp32Seconds)
                    .stream().mapToDouble(Double::doubleValue).toArray();
            return new Throughput(
                    name,
                    bf16 ? "bf16" : "fp32",
                    sequencesPerStep() * setup.sampler().length(),
                    Stopwatch.median(seconds),
                    bf16 ? bf16Skipped : fp32Skipped,
                    flopsPerStep());
        }

        private void precision(boolean bf16) {
            model.bf16(bf16);
        }

        /** Takes {@code warmup} untimed and {@code passes} timed passes through the backbones alone. */
        void timeBackbones(boolean bf16, int warmup, int passes) {
            for (int i = -warmup; i < passes; i++) {
                double seconds = Stopwatch.seconds(placement, () -> backbonePass(bf16));
                if (i >= 0) (bf16 ? bf16BackboneSeconds : fp32BackboneSeconds).add(seconds);
            }
            model.module().zero_grad(true);
        }

        BackbonesAlone backbonesAlone(boolean bf16) {
            double[] seconds = (bf16 ? bf16BackboneSeconds : fp32BackboneSeconds)
                    .stream().mapToDouble(Double::doubleValue).toArray();
            return new BackbonesAlone(name, bf16 ? "bf16" : "fp32", Stopwatch.median(seconds), flopsPerStep());
        }

        /**
         * Forward and backward through every backbone for one step's sequences on the model's device; bf16 as the
         * model runs its backbones (autocast during the forward pass).
         */
        private void backbonePass(boolean bf16) {
            try (PointerScope scope = new PointerScope()) {
                model.module().zero_grad(true);
                Tensor loss = null;
                for (Backbone b : model.backbones()) {
                    Tensor x = torch.randn(new long[] {sequencesPerStep(), positions, channels}, placement.options())
                            .set_requires_grad(true);
                    Tensor sum = Precision.features(b, x, bf16).sum();
                    loss = loss == null ? sum : loss.add(sum);
                }
                loss.backward();
            }
        }
    }
}
