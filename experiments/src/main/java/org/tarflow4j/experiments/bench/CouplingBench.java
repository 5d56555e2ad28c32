package org.tarflow4j.experiments.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.InverseReport;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.api.numerics.DensityDtype;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.core.plugin.Registered;
import org.tarflow4j.trainer.model.Noise;
import org.tarflow4j.trainer.model.Parameters;
import org.tarflow4j.trainer.train.Devices;
import org.tarflow4j.trainer.train.PeakMemory;

/**
 * Forward and inverse speed of every registered coupling, built-ins and plugins alike, on random inputs: latents
 * {@code x ~ N(0, I)} in float64 and features {@code ~ N(0, I)} in float32, as the model hands them over. Each
 * repeat gives the freshly created coupling another seeded {@code N(0, 0.2²)} perturbation of every parameter, so
 * that zero-initialised heads produce non-trivial maps, then times {@code u = forward(x)} and {@code inverse(u)}
 * without gradients. The mixture count K is varied only for couplings that read the option {@code mixtures}, the
 * vocabulary V only for couplings whose parameter count depends on it, the density dtype ({@link #DENSITIES}) only for
 * couplings that read {@code density_dtype}; one token per position ({@code d = C}).
 */
public final class CouplingBench {
    /** The inverse may cost at most this many forwards. */
    public static final double TARGET_RATIO = 10.0;

    /** Positions × V of one call at most, for couplings whose work grows with V. */
    public static final long VOCAB_BUDGET = 1L << 22;

    /** What a training-memory measurement aims to allocate. */
    public static final double MEMORY_BYTES = 1L << 30;

    /** Scalars {@code positions × C × max(K, V)} a training-memory measurement touches at most (the standard settings). */
    public static final long MEMORY_WORK = 1L << 25;

    /** The density dtypes measured for couplings that read {@link DensityDtype#OPTION}. */
    public static final List<String> DENSITIES = List.of("float64", "float32");

    private static final double PERTURBATION = 0.2;
    private static final String MIXTURES = "mixtures";

    private CouplingBench() {}

    /**
     * @param channels     values of C
     * @param mixtures     values of the option {@code mixtures}, for couplings that read it
     * @param vocabularies values of V, for couplings whose size depends on it (the first is used for the others)
     * @param batch        sequences per call
     * @param positions    positions per sequence
     * @param featureWidth feature width D
     * @param repeats      timed repeats, each with its own perturbation
     * @param threads      libtorch intra-op threads
     * @param placement    where the couplings compute (the inputs and perturbations are drawn on the CPU from the
     *                     seed and moved there, so every device times the same numbers)
     * @param memoryWork   scalars {@code positions × C × max(K, V)} a training-memory measurement touches at most
     */
    public record Settings(
            List<Integer> channels,
            List<Integer> mixtures,
            List<Integer> vocabularies,
            int batch,
            int positions,
            int featureWidth,
            int repeats,
            int threads,
            long seed,
            Placement placement,
            long memoryWork) {
        public static Settings standard(int threads) {
            return new Settings(
                    List.of(5, 16),
                    List.of(27, 64),
                    List.of(27, 256, 4096, 50_257),
                    8,
                    256,
                    128,
                    5,
                    threads,
                    0,
                    Placement.CPU,
                    MEMORY_WORK);
        }

        public static Settings quick(int threads) {
            return new Settings(
                    List.of(5, 16),
                    List.of(27, 64),
                    List.of(27, 256, 4096, 50_257),
                    2,
                    128,
                    128,
                    3,
                    threads,
                    0,
                    Placement.CPU,
                    MEMORY_WORK);
        }

        /** These settings on another device. */
        public Settings on(Placement other) {
            return new Settings(
                    channels,
                    mixtures,
                    vocabularies,
                    batch,
                    positions,
                    featureWidth,
                    repeats,
                    threads,
                    seed,
                    other,
                    memoryWork);
        }

        long elements(int c, Integer vocab) {
            return shape(vocab)[0] * shape(vocab)[1] * c;
        }

        /**
         * Sequences and positions of a call: {@code batch × positions}, or for large vocabularies one sequence of at
         * most {@link #VOCAB_BUDGET}{@code / V} positions (at least 16), so that a row at V = 50,257 takes seconds.
         */
        long[] shape(Integer vocab) {
            long all = (long) batch * positions;
            if (vocab == null || all * vocab <= VOCAB_BUDGET) return new long[] {batch, positions};
            return new long[] {1, Math.max(16, VOCAB_BUDGET / vocab)};
        }
    }

    /**
     * One measured configuration; {@code mixtures}, {@code vocab} and {@code density} are null where the coupling does
     * not depend on them. Rates in elements (scalars of x) per second, medians over the repeats; iterations from
     * {@link Coupling#lastInverse()}, mean over the repeats and max over all; {@code roundTrip} the largest
     * {@code |inverse(forward(x)) − x|}. A coupling that cannot be built or run has {@code error} set and NaN rates.
     */
    public record Row(
            String coupling,
            String version,
            String origin,
            int channels,
            Integer mixtures,
            Integer vocab,
            String density,
            long elements,
            double forwardPerSecond,
            double inversePerSecond,
            double meanIterations,
            long maxIterations,
            long unconverged,
            double roundTrip,
            Memory memory,
            String error) {
        /** Inverse time over forward time. */
        public double ratio() {
            return forwardPerSecond / inversePerSecond;
        }

        public boolean meetsTarget() {
            return ratio() <= TARGET_RATIO;
        }

        public String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("coupling", coupling);
            m.put("version", version);
            m.put("origin", origin);
            m.put("channels", channels);
            m.put("mixtures", mixtures);
            m.put("vocab", vocab);
            m.put("density_dtype", density);
            m.put("elements", elements);
            m.put("forward_elements_per_s", forwardPerSecond);
            m.put("inverse_elements_per_s", inversePerSecond);
            m.put("inverse_over_forward", ratio());
            m.put("target_ratio", TARGET_RATIO);
            m.put("meets_target", error == null && meetsTarget());
            m.put("newton_mean", meanIterations);
            m.put("newton_max", maxIterations);
            m.put("unconverged", unconverged);
            m.put("round_trip_max_abs", roundTrip);
            if (memory != null) {
                m.put("train_positions", memory.positions());
                m.put("train_peak_mib", memory.peakMiB());
                m.put("train_kib_per_position", memory.kibPerPosition());
                m.put("estimated_kib_per_position", memory.estimatedKibPerPosition());
                m.put("train_kib_per_element", memory.kibPerPosition() / channels);
                m.put("train_elements_per_s", memory.positions() * channels / memory.seconds());
            }
            m.put("error", error);
            return Json.line(m);
        }
    }

    /**
     * Peak resident memory of a training pass (forward with gradients, backward) through the coupling: at
     * {@code positions} positions, {@code peakMiB} above the resident memory before it, and the slope between
     * {@code positions / 2} and {@code positions} ({@code kibPerPosition}, what each further position costs: constant
     * working memory such as a recomputed chunk cancels), with the slope of the coupling's own
     * {@link Coupling#trainingBytes} estimate (NaN where it states none). NaN where {@code /proc} has no peak.
     * {@code seconds}: how long the pass at {@code positions} took.
     */
    public record Memory(
            long positions, double peakMiB, double kibPerPosition, double estimatedKibPerPosition, double seconds) {}

    /** Measures every coupling of the registry; {@code rows} receives each row as soon as it is measured. */
    public static List<Row> run(PluginRegistry registry, Settings s, Consumer<Row> rows) {
        int threads = torch.get_num_threads();
        Devices.threads(s.threads());
        try {
            List<Row> out = new ArrayList<>();
            for (Registered r : registry.all(ComponentKind.COUPLING)) {
                for (Row row : measureAll(r, s)) {
                    out.add(row);
                    rows.accept(row);
                }
            }
            return out;
        } finally {
            Devices.threads(threads);
        }
    }

    private static List<Row> measureAll(Registered r, Settings s) {
        CouplingProvider provider = (CouplingProvider) r.provider();
        int c0 = s.channels().get(0);
        boolean readsMixtures;
        boolean readsDensity;
        boolean dependsOnVocab;
        try {
            Options probe = Options.empty("couplings." + r.name());
            long small = parameters(
                    provider.create(probe, context(c0, s.vocabularies().get(0), s)));
            readsMixtures = probe.resolved().containsKey(MIXTURES);
            readsDensity = probe.resolved().containsKey(DensityDtype.OPTION);
            long large = parameters(provider.create(
                    Options.empty("couplings." + r.name()),
                    context(c0, s.vocabularies().get(s.vocabularies().size() - 1), s)));
            dependsOnVocab = small != large;
        } catch (RuntimeException e) {
            return List.of(failed(r, c0, null, null, null, s, e));
        }
        List<Row> rows = new ArrayList<>();
        for (int c : s.channels())
            for (Integer k : readsMixtures ? s.mixtures() : Arrays.asList((Integer) null))
                for (Integer v : dependsOnVocab ? s.vocabularies() : Arrays.asList((Integer) null))
                    for (String density : readsDensity ? DENSITIES : Arrays.asList((String) null)) {
                        try {
                            rows.add(measure(r, c, k, v, density, s));
                        } catch (RuntimeException e) {
                            rows.add(failed(r, c, k, v, density, s, e));
                        }
                    }
        return rows;
    }

    private static Row measure(Registered r, int c, Integer k, Integer v, String density, Settings s) {
        Map<String, Object> values = new LinkedHashMap<>();
        if (k != null) values.put(MIXTURES, (long) k);
        if (density != null) values.put(DensityDtype.OPTION, density);
        Coupling coupling = ((CouplingProvider) r.provider())
                .create(
                        Options.of("couplings." + r.name(), "bench", values),
                        context(c, v == null ? s.vocabularies().get(0) : v, s));
        Placement placement = s.placement();
        if (!placement.isCpu()) coupling.module().to(placement.device(), false);
        coupling.module().eval();
        Tensor[] fresh = Arrays.stream(Parameters.of(coupling.module()))
                .map(p -> p.detach().clone())
                .toArray(Tensor[]::new);
        double[] forward = new double[s.repeats()];
        double[] inverse = new double[s.repeats()];
        InverseReport iterations = InverseReport.EXACT;
        double meanIterations = 0;
        double roundTrip = 0;
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (int rep = -1; rep < s.repeats(); rep++) {
                try (PointerScope scope = new PointerScope()) {
                    Noise noise = new Noise(s.seed() + Math.max(rep, 0));
                    perturb(coupling, fresh, noise);
                    long[] shape = s.shape(v);
                    Tensor x = noise.normal(placement, torch.ScalarType.Double, shape[0], shape[1], c);
                    Tensor features =
                            noise.normal(placement, torch.ScalarType.Float, shape[0], shape[1], s.featureWidth());
                    Transformed[] f = new Transformed[1];
                    Tensor[] back = new Tensor[1];
                    double tf = Stopwatch.seconds(placement, () -> f[0] = coupling.forward(x, features));
                    double ti = Stopwatch.seconds(placement, () -> back[0] = coupling.inverse(f[0].value(), features));
                    if (rep < 0) continue;
                    forward[rep] = tf;
                    inverse[rep] = ti;
                    InverseReport report = coupling.lastInverse();
                    iterations = iterations.plus(report);
                    meanIterations += report.meanIterations() / s.repeats();
                    roundTrip = Math.max(roundTrip, back[0].sub(x).abs().max().item_double());
                }
            }
        }
        long n = s.elements(c, v);
        Memory memory = placement.isCpu() ? trainingMemory(coupling, c, k, v, s) : null;
        return new Row(
                r.name(),
                r.version(),
                r.origin(),
                c,
                k,
                v,
                density,
                n,
                n / Stopwatch.median(forward),
                n / Stopwatch.median(inverse),
                meanIterations,
                iterations.maxIterations(),
                iterations.unconverged(),
                roundTrip,
                memory,
                null);
    }

    /**
     * {@link Memory} of a training pass, measured on the CPU over as many positions as make the coupling's own
     * estimate about {@link #MEMORY_BYTES} (4,096 where it states none) and at most {@code memoryWork} scalars of
     * {@code positions × C × max(K, V)}, between 64 and 65,536: enough that what grows with the positions stands out
     * of the noise of resident memory, few enough that a row at V = 50,257 takes seconds.
     */
    private static Memory trainingMemory(Coupling coupling, int c, Integer k, Integer v, Settings s) {
        double perPosition = coupling.trainingBytes(1024) / 1024;
        long bytesCap = Double.isNaN(perPosition) || perPosition <= 0 ? 4096 : (long) (MEMORY_BYTES / perPosition);
        long width = (long) c * Math.max(1, Math.max(k == null ? 1 : k, v == null ? 1 : v));
        long all = Math.max(64, Math.min(65_536, Math.min(bytesCap, s.memoryWork() / width)));
        long half = all / 2;
        double[] small = trainingPass(coupling, c, half, s);
        double[] large = trainingPass(coupling, c, all, s);
        double estimated = (coupling.trainingBytes(all) - coupling.trainingBytes(half)) / (all - half) / 1024;
        return new Memory(all, large[0], (large[0] - small[0]) * 1024 / (all - half), estimated, large[1]);
    }

    /** A training pass over {@code positions}: its peak resident memory above the memory before it, and its seconds. */
    private static double[] trainingPass(Coupling coupling, int c, long positions, Settings s) {
        System.gc();
        boolean peak = PeakMemory.reset();
        double before = PeakMemory.residentMebibytes();
        double seconds;
        try (PointerScope scope = new PointerScope()) {
            Noise noise = new Noise(s.seed());
            Tensor x = noise.normal(Placement.CPU, torch.ScalarType.Double, 1, positions, c)
                    .requires_grad_(true);
            Tensor features = noise.normal(Placement.CPU, torch.ScalarType.Float, 1, positions, s.featureWidth())
                    .requires_grad_(true);
            seconds = Stopwatch.seconds(Placement.CPU, () -> {
                Transformed t = coupling.forward(x, features);
                t.value().sum().add(t.logDet().sum()).backward();
            });
        }
        coupling.module().zero_grad(true);
        return new double[] {peak ? PeakMemory.mebibytes() - before : Double.NaN, seconds};
    }

    /** The fresh parameters plus seeded {@code N(0, 0.2²)} noise. */
    private static void perturb(Coupling coupling, Tensor[] fresh, Noise noise) {
        Tensor[] params = Parameters.of(coupling.module());
        for (int i = 0; i < params.length; i++)
            params[i].copy_(fresh[i].add(noise.normal(
                            Placement.of(fresh[i]),
                            fresh[i].scalar_type(),
                            fresh[i].sizes().vec().get())
                    .mul(new Scalar(PERTURBATION))));
    }

    private static CouplingContext context(int channels, int vocab, Settings s) {
        return new CouplingContext(channels, channels, s.featureWidth(), vocab, Optional.empty(), s.placement());
    }

    private static long parameters(Coupling coupling) {
        return Parameters.count(coupling.module());
    }

    private static Row failed(
            Registered r, int c, Integer k, Integer v, String density, Settings s, RuntimeException e) {
        return new Row(
                r.name(),
                r.version(),
                r.origin(),
                c,
                k,
                v,
                density,
                s.elements(c, v),
                Double.NaN,
                Double.NaN,
                Double.NaN,
                0,
                0,
                Double.NaN,
                null,
                e.getClass().getSimpleName() + ": " + e.getMessage());
    }
}
