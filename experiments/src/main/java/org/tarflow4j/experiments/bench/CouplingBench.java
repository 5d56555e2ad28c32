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
import org.tarflow4j.core.Json;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.core.plugin.Registered;
import org.tarflow4j.trainer.model.Noise;

/**
 * Forward and inverse speed of every registered coupling, built-ins and plugins alike, on random inputs: latents
 * {@code x ~ N(0, I)} in float64 and features {@code ~ N(0, I)} in float32, as the model hands them over. Each
 * repeat gives the freshly created coupling another seeded {@code N(0, 0.2²)} perturbation of every parameter, so
 * that zero-initialised heads produce non-trivial maps, then times {@code u = forward(x)} and {@code inverse(u)}
 * without gradients. The mixture count K is varied only for couplings that read the option {@code mixtures}, the
 * vocabulary V only for couplings whose parameter count depends on it; one token per position ({@code d = C}).
 */
public final class CouplingBench {
    /** The inverse may cost at most this many forwards. */
    public static final double TARGET_RATIO = 10.0;

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
            Placement placement) {
        public static Settings standard(int threads) {
            return new Settings(
                    List.of(5, 16), List.of(27, 64), List.of(27, 1024), 8, 256, 128, 5, threads, 0, Placement.CPU);
        }

        public static Settings quick(int threads) {
            return new Settings(
                    List.of(5, 16), List.of(27, 64), List.of(27, 1024), 2, 128, 128, 3, threads, 0, Placement.CPU);
        }

        /** These settings on another device. */
        public Settings on(Placement other) {
            return new Settings(
                    channels, mixtures, vocabularies, batch, positions, featureWidth, repeats, threads, seed, other);
        }

        long elements(int c) {
            return (long) batch * positions * c;
        }
    }

    /**
     * One measured configuration; {@code mixtures} and {@code vocab} are null where the coupling does not depend on
     * them. Rates in elements (scalars of x) per second, medians over the repeats; iterations from
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
            long elements,
            double forwardPerSecond,
            double inversePerSecond,
            double meanIterations,
            long maxIterations,
            long unconverged,
            double roundTrip,
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
            m.put("error", error);
            return Json.line(m);
        }
    }

    /** Measures every coupling of the registry; {@code rows} receives each row as soon as it is measured. */
    public static List<Row> run(PluginRegistry registry, Settings s, Consumer<Row> rows) {
        int threads = torch.get_num_threads();
        torch.set_num_threads(s.threads());
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
            torch.set_num_threads(threads);
        }
    }

    private static List<Row> measureAll(Registered r, Settings s) {
        CouplingProvider provider = (CouplingProvider) r.provider();
        int c0 = s.channels().get(0);
        boolean readsMixtures;
        boolean dependsOnVocab;
        try {
            Options probe = Options.empty("couplings." + r.name());
            long small = parameters(
                    provider.create(probe, context(c0, s.vocabularies().get(0), s)));
            readsMixtures = probe.resolved().containsKey(MIXTURES);
            long large = parameters(provider.create(
                    Options.empty("couplings." + r.name()),
                    context(c0, s.vocabularies().get(s.vocabularies().size() - 1), s)));
            dependsOnVocab = small != large;
        } catch (RuntimeException e) {
            return List.of(failed(r, c0, null, null, s, e));
        }
        List<Row> rows = new ArrayList<>();
        for (int c : s.channels())
            for (Integer k : readsMixtures ? s.mixtures() : Arrays.asList((Integer) null))
                for (Integer v : dependsOnVocab ? s.vocabularies() : Arrays.asList((Integer) null)) {
                    try {
                        rows.add(measure(r, c, k, v, s));
                    } catch (RuntimeException e) {
                        rows.add(failed(r, c, k, v, s, e));
                    }
                }
        return rows;
    }

    private static Row measure(Registered r, int c, Integer k, Integer v, Settings s) {
        Map<String, Object> values = k == null ? Map.of() : Map.of(MIXTURES, (long) k);
        Coupling coupling = ((CouplingProvider) r.provider())
                .create(
                        Options.of("couplings." + r.name(), "bench", values),
                        context(c, v == null ? s.vocabularies().get(0) : v, s));
        Placement placement = s.placement();
        if (!placement.isCpu()) coupling.module().to(placement.device(), false);
        coupling.module().eval();
        Tensor[] fresh = Arrays.stream(coupling.module().parameters().get())
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
                    Tensor x = noise.normal(placement, torch.ScalarType.Double, s.batch(), s.positions(), c);
                    Tensor features =
                            noise.normal(placement, torch.ScalarType.Float, s.batch(), s.positions(), s.featureWidth());
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
        long n = s.elements(c);
        return new Row(
                r.name(),
                r.version(),
                r.origin(),
                c,
                k,
                v,
                n,
                n / Stopwatch.median(forward),
                n / Stopwatch.median(inverse),
                meanIterations,
                iterations.maxIterations(),
                iterations.unconverged(),
                roundTrip,
                null);
    }

    /** The fresh parameters plus seeded {@code N(0, 0.2²)} noise. */
    private static void perturb(Coupling coupling, Tensor[] fresh, Noise noise) {
        Tensor[] params = coupling.module().parameters().get();
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
        return Arrays.stream(coupling.module().parameters().get())
                .mapToLong(Tensor::numel)
                .sum();
    }

    private static Row failed(Registered r, int c, Integer k, Integer v, Settings s, RuntimeException e) {
        return new Row(
                r.name(),
                r.version(),
                r.origin(),
                c,
                k,
                v,
                s.elements(c),
                Double.NaN,
                Double.NaN,
                Double.NaN,
                0,
                0,
                Double.NaN,
                e.getClass().getSimpleName() + ": " + e.getMessage());
    }
}
