package org.tarflow4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.BackboneProvider;

/**
 * The conformance suite every backbone runs through, built-in or third-party. Subclass it in your plugin's tests,
 * list one or more {@linkplain BackboneCase cases}, and the inherited {@link #conformance()} factory runs every check
 * of {@link BackboneChecks} on each case:
 *
 * <pre>{@code
 * class MyBackboneConformanceTest extends BackboneHarness {
 *     @Override
 *     protected List<BackboneCase> cases() {
 *         BackboneContext small = new BackboneContext(3, 12);          // 3 input channels, up to 12 positions
 *         return List.of(
 *             BackboneCase.of("default", new MyBackboneProvider(), small).withOptions(Map.of("width", 16L)));
 *     }
 * }
 * }</pre>
 *
 * <p>For each case the factory makes these tests, each named in full ({@code "backbone / case / state / check"}):
 * <ul>
 *   <li>once: {@code describes itself} and {@code declared as a service} (as for couplings, see
 *       {@link ProviderChecks}); {@code every parameter learns} (random state, float64: every parameter tensor gets a
 *       non-zero, finite gradient from a loss on the features); {@code survives save and load} (random state saved to
 *       an archive file and loaded into a fresh backbone: identical features); {@code runs under bf16 autocast}
 *       (float32 backbone: full pass, stepper and backward finite, features within 0.1 of float32, relative to their RMS when above 1); {@code finite for
 *       x in [−50, 50]} (float32, random state, features and gradients);</li>
 *   <li>per parameter state ({@code initial}, as the provider creates it, and {@code random}, every parameter from
 *       {@code N(0, randomStd²)}), in float64: {@code causal} (the features at t do not move, to 1e-12, when the
 *       inputs at t and later change, and some later features move when an input changes) and {@code stepping
 *       equals the full pass} (the KV-cached {@link Backbone.Stepper}, one pointer scope per step, gives the full
 *       pass's features to 1e-10, for two batch sizes one after the other).</li>
 * </ul>
 *
 * <p>Every check creates a fresh backbone with {@link BackboneCase#create} and draws parameters and inputs from a seed
 * that is new each run; a failure names the seed, and {@code -Dtarflow.seed=N} replays it.
 */
public abstract class BackboneHarness {
    /** The configurations to check; keep them small (a few channels, a narrow width, one or two blocks). */
    protected abstract List<BackboneCase> cases();

    @TestFactory
    public Stream<DynamicTest> conformance() {
        return cases().stream().flatMap(c -> suite(c).stream());
    }

    private static List<DynamicTest> suite(BackboneCase c) {
        String label = Names.component(c.provider()) + " / " + c.name();
        String random = "random N(0, " + c.randomStd() + "²)";
        List<DynamicTest> nodes = new ArrayList<>();
        nodes.add(Names.test(label, "describes itself", () -> ProviderChecks.describesItself(c.provider())));
        nodes.add(Names.test(
                label,
                "declared as a service",
                () -> ProviderChecks.declaredAsService(c.provider(), BackboneProvider.class)));
        nodes.add(check(
                label + " / " + random,
                "every parameter learns",
                c,
                torch.ScalarType.Double,
                true,
                BackboneChecks::everyParameterLearns));
        nodes.add(Names.test(label + " / " + random, "survives save and load", () -> {
            Backbone original = c.create(torch.ScalarType.Double);
            Backbone fresh = c.create(torch.ScalarType.Double);
            try (PointerScope scope = new PointerScope()) {
                Parameters.fillNormal(original.module(), c.randomStd());
                BackboneChecks.survivesSaveAndLoad(original, fresh, c.context());
            }
        }));
        nodes.add(check(
                label + " / initial",
                "runs under bf16 autocast",
                c,
                torch.ScalarType.Float,
                false,
                BackboneChecks::runsUnderBf16Autocast));
        nodes.add(check(
                label + " / " + random,
                "finite for x in [−50, 50]",
                c,
                torch.ScalarType.Float,
                true,
                BackboneChecks::finiteOnWideInputs));
        for (boolean randomState : new boolean[] {false, true}) {
            String state = label + " / " + (randomState ? random : "initial");
            nodes.add(check(state, "causal", c, torch.ScalarType.Double, randomState, BackboneChecks::causal));
            nodes.add(check(
                    state,
                    "stepping equals the full pass",
                    c,
                    torch.ScalarType.Double,
                    randomState,
                    BackboneChecks::stepperMatchesForward));
        }
        return nodes;
    }

    private static DynamicTest check(
            String label,
            String name,
            BackboneCase c,
            torch.ScalarType dtype,
            boolean randomState,
            BiConsumer<Backbone, BackboneContext> check) {
        return Names.test(label, name, () -> {
            Backbone backbone = c.create(dtype);
            try (PointerScope scope = new PointerScope()) {
                if (randomState) Parameters.fillNormal(backbone.module(), c.randomStd());
                check.accept(backbone, c.context());
            }
        });
    }
}
