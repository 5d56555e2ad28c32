package org.tarflow4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;

/**
 * The conformance suite every coupling runs through, built-in or third-party. Subclass it in your plugin's tests,
 * list one or more {@linkplain CouplingCase cases}, and the inherited {@link #conformance()} factory runs every
 * check of {@link CouplingChecks} on each case:
 *
 * <pre>{@code
 * class MyCouplingConformanceTest extends CouplingHarness {
 *     @Override
 *     protected List<CouplingCase> cases() {
 *         CouplingContext small = CouplingCase.context(4, 2, 6);          // C = 4 channels, d = 2, D = 6
 *         return List.of(
 *             CouplingCase.of("default", new MyCouplingProvider(), small),
 *             CouplingCase.of("unbounded", new MyCouplingProvider(), small)
 *                 .withOptions(Map.of("scale_bound", 0.0))
 *                 .withExtreme("scales 1e-4", c -> {                  // head rows 4..7 give log σ
 *                     Parameters.get(c, "head.weight").narrow(0, 4, 4).zero_();
 *                     Parameters.get(c, "head.bias").narrow(0, 4, 4).fill_(new Scalar(Math.log(1e-4)));
 *                 }));
 *     }
 * }
 * }</pre>
 *
 * <p>For each case the factory makes the tests below, each named in full ({@code "coupling / case / state / check"},
 * e.g. {@code "mog / default / random N(0, 0.2²) / round trip x→u→x"}), which is what a surefire report (with the
 * JUnit 5 reporters that print display names, see the plugin archetype's pom) and a failure message show:
 * <ul>
 *   <li>once: {@code describes itself} (name, SemVer version, an API range that parses and admits the current API,
 *       one-line description), {@code declared as a service} ({@code provides … with …} and the AutoService entry
 *       agree, {@code ServiceLoader} finds it),
 *       {@code every parameter learns} (in the random state, each parameter tensor gets a non-zero gradient from
 *       the likelihood loss {@code −(log N(u; 0, I) + logdet)}), and {@code survives save and load} (the random
 *       state saved to an archive file and loaded into a fresh coupling gives identical outputs);</li>
 *   <li>per parameter state ({@code initial}; {@code random}, every parameter from {@code N(0, randomStd²)}; and each
 *       extreme state you add, applied on top of random): the round trips {@code x→u→x} and {@code u→x→u} to
 *       1e-6 with inputs up to |6| and no unconverged inverse; the log-det against {@code log|det J|} of the autograd
 *       Jacobian to 1e-6 with the structure of {@link Coupling#jacobianShape()} and independent positions (only for
 *       {@code C ≤ 8}); no NaN or Inf in outputs or gradients for x in [−50, 50]; one position alone gives what all
 *       positions together give.</li>
 * </ul>
 *
 * <p>These are the tolerances of the float64 profile; a harness whose cases run their density math in float32
 * overrides {@link #tolerances()} with {@link Tolerances#FLOAT32}.
 *
 * <p>Only the coupling knows its parameterisation, so extreme states are yours to write: push the head's bias so that
 * scales reach 1e-4, one mixture weight nears 1, and so on ({@link Parameters} finds parameters by name). Every check
 * creates a fresh coupling with {@link CouplingCase#create()} (float64, all options read), draws features
 * {@code [2, 3, D]} from {@code N(0, 1)} (the harness plays the backbone), and draws parameters and inputs from a seed
 * that is new each run; a failure names the seed, and {@code -Dtarflow.seed=N} replays it.
 *
 * <p>The plugin's test scope needs {@code tarflow4j-testkit} and {@code junit-jupiter}; surefire needs
 * {@code -Dorg.bytedeco.javacpp.maxPhysicalBytes=0} in its {@code argLine}.
 */
public abstract class CouplingHarness {
    /** The configurations to check; keep contexts small ({@code C ≤ 8} for the Jacobian check, a few features). */
    protected abstract List<CouplingCase> cases();

    /**
     * The tolerances of the numeric checks: {@link Tolerances#FLOAT64} unless overridden, e.g. with
     * {@link Tolerances#FLOAT32} in a harness whose cases run their density math in float32.
     */
    protected Tolerances tolerances() {
        return Tolerances.FLOAT64;
    }

    @TestFactory
    public Stream<DynamicTest> conformance() {
        Tolerances tolerances = tolerances();
        return cases().stream().flatMap(c -> suite(c, tolerances).stream());
    }

    private static List<DynamicTest> suite(CouplingCase c, Tolerances tolerances) {
        String label = Names.component(c.provider()) + " / " + c.name();
        List<DynamicTest> nodes = new ArrayList<>();
        nodes.add(Names.test(label, "describes itself", () -> CouplingChecks.describesItself(c.provider())));
        nodes.add(Names.test(label, "declared as a service", () -> CouplingChecks.declaredAsService(c.provider())));
        nodes.add(check(label, c, c.randomState(), "every parameter learns", CouplingChecks::everyParameterLearns));
        nodes.add(Names.test(label + " / " + c.randomState().name(), "survives save and load", () -> {
            Coupling original = c.create();
            Coupling fresh = c.create();
            try (PointerScope scope = new PointerScope()) {
                c.randomState().applyTo(original);
                CouplingChecks.survivesSaveAndLoad(original, fresh, c.context());
            }
        }));
        for (ParameterState state : c.states()) nodes.addAll(stateChecks(label, c, state, tolerances));
        return nodes;
    }

    private static List<DynamicTest> stateChecks(String label, CouplingCase c, ParameterState state, Tolerances tol) {
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(check(label, c, state, "round trip x→u→x", (k, x) -> CouplingChecks.roundTripFromData(k, x, tol)));
        tests.add(check(label, c, state, "round trip u→x→u", (k, x) -> CouplingChecks.roundTripFromNoise(k, x, tol)));
        if (c.context().channels() <= CouplingChecks.MAX_JACOBIAN_CHANNELS)
            tests.add(check(
                    label,
                    c,
                    state,
                    "log-det and Jacobian structure",
                    (k, x) -> CouplingChecks.logDetMatchesJacobian(k, x, tol)));
        tests.add(check(label, c, state, "finite for x in [−50, 50]", CouplingChecks::finiteOnWideInputs));
        tests.add(check(label, c, state, "position agnostic", (k, x) -> CouplingChecks.positionAgnostic(k, x, tol)));
        return tests;
    }

    /** A check in a state; its display name is {@code "coupling / case / state / check"}, complete on its own. */
    private static DynamicTest check(String label, CouplingCase c, ParameterState state, String name, Check check) {
        return Names.test(label + " / " + state.name(), name, () -> {
            Coupling coupling = c.create();
            try (PointerScope scope = new PointerScope()) {
                state.applyTo(coupling);
                check.run(coupling, c.context());
            }
        });
    }

    @FunctionalInterface
    private interface Check {
        void run(Coupling coupling, CouplingContext context);
    }
}
