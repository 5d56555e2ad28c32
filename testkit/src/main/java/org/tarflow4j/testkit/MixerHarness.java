package org.tarflow4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.api.MixerProvider;

/**
 * The conformance suite every channel mixer runs through, built-in or third-party. Subclass it in your plugin's tests,
 * list one or more {@linkplain MixerCase cases}, and the inherited {@link #conformance()} factory runs every check of
 * {@link MixerChecks} on each case:
 *
 * <pre>{@code
 * class MyMixerConformanceTest extends MixerHarness {
 *     @Override
 *     protected List<MixerCase> cases() {
 *         return List.of(
 *             MixerCase.of("5 channels", new MyMixerProvider(), new MixerContext(5, 5)),
 *             MixerCase.of("patch 2", new MyMixerProvider(), new MixerContext(8, 4)));
 *     }
 * }
 * }</pre>
 *
 * <p>For each case the factory makes these tests, each named in full ({@code "mixer / case / state / check"}):
 * <ul>
 *   <li>once: {@code describes itself} and {@code declared as a service} (see {@link ProviderChecks}),
 *       {@code survives save and load} (saved to an archive file and loaded into a fresh mixer: identical outputs),
 *       and, for a mixer with parameters, {@code every parameter learns} (random state);</li>
 *   <li>per parameter state ({@code initial}; and {@code random}, every parameter from {@code N(0, randomStd²)}, for
 *       a mixer with parameters), in float64: the round trips {@code x→y→x} and {@code y→x→y} to 1e-9 with inputs up
 *       to |6|, the shapes and dtypes of the outputs; the log-det against {@code log|det J|} of the autograd Jacobian
 *       to 1e-9 with independent positions (for {@code C ≤ 16}); no NaN or Inf for inputs in [−50, 50].</li>
 * </ul>
 *
 * <p>Every check creates a fresh mixer with {@link MixerCase#create()} (as the host does, all options read), feeds it
 * float64 inputs as the model's latents are, and draws
 * parameters and inputs from a seed that is new each run; a failure names the seed, and {@code -Dtarflow.seed=N}
 * replays it.
 */
public abstract class MixerHarness {
    /** The configurations to check; vary the channels and the patch size ({@code channels / tokenChannels}). */
    protected abstract List<MixerCase> cases();

    @TestFactory
    public Stream<DynamicTest> conformance() {
        return cases().stream().flatMap(c -> suite(c).stream());
    }

    private static List<DynamicTest> suite(MixerCase c) {
        String label = Names.component(c.provider()) + " / " + c.name();
        String random = "random N(0, " + c.randomStd() + "²)";
        boolean hasParameters = !Parameters.named(c.create().module()).isEmpty();
        List<DynamicTest> nodes = new ArrayList<>();
        nodes.add(Names.test(label, "describes itself", () -> ProviderChecks.describesItself(c.provider())));
        nodes.add(Names.test(
                label,
                "declared as a service",
                () -> ProviderChecks.declaredAsService(c.provider(), MixerProvider.class)));
        if (hasParameters)
            nodes.add(check(
                    label + " / " + random, "every parameter learns", c, true, MixerChecks::everyParameterLearns));
        nodes.add(Names.test(label + (hasParameters ? " / " + random : ""), "survives save and load", () -> {
            ChannelMixer original = c.create();
            ChannelMixer fresh = c.create();
            try (PointerScope scope = new PointerScope()) {
                if (hasParameters) Parameters.fillNormal(original.module(), c.randomStd());
                MixerChecks.survivesSaveAndLoad(original, fresh, c.context());
            }
        }));
        for (boolean randomState : hasParameters ? new boolean[] {false, true} : new boolean[] {false}) {
            String state = label + " / " + (randomState ? random : "initial");
            List<DynamicTest> tests = new ArrayList<>();
            tests.add(check(state, "round trip x→y→x", c, randomState, MixerChecks::roundTripFromData));
            tests.add(check(state, "round trip y→x→y", c, randomState, MixerChecks::roundTripFromNoise));
            if (c.context().channels() <= MixerChecks.MAX_JACOBIAN_CHANNELS)
                tests.add(check(
                        state, "log-det against the Jacobian", c, randomState, MixerChecks::logDetMatchesJacobian));
            tests.add(check(state, "finite for x in [−50, 50]", c, randomState, MixerChecks::finiteOnWideInputs));
            nodes.addAll(tests);
        }
        return nodes;
    }

    private static DynamicTest check(
            String label, String name, MixerCase c, boolean randomState, BiConsumer<ChannelMixer, MixerContext> check) {
        return Names.test(label, name, () -> {
            ChannelMixer mixer = c.create();
            try (PointerScope scope = new PointerScope()) {
                if (randomState) Parameters.fillNormal(mixer.module(), c.randomStd());
                check.accept(mixer, c.context());
            }
        });
    }
}
