package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Scalar;
import org.junit.jupiter.api.Test;

/** The harness builds every check for every state and runs them on the coupling it was given. */
class CouplingHarnessTest {
    private static final int CHANNELS = 3;

    @Test
    void aCorrectCouplingPassesEverythingButTheServiceDeclaration() {
        List<String> failed = failures(harness("diagonal"));
        assertEquals(List.of("fixture / diagonal / declared as a service"), failed);
    }

    @Test
    void aWrongLogDetFailsInEveryState() {
        List<String> failed = failures(harness("wrong-log-det"));
        assertEquals(
                List.of(
                        "fixture / wrong-log-det / declared as a service",
                        "fixture / wrong-log-det / initial / log-det and Jacobian structure",
                        "fixture / wrong-log-det / random N(0, 0.2²) / log-det and Jacobian structure",
                        "fixture / wrong-log-det / scales 1e-4 / log-det and Jacobian structure"),
                failed);
    }

    /**
     * Surefire reports a dynamic test by its own display name: every test's name says which coupling, case, state and
     * check it is, and no two are the same.
     */
    @Test
    void everyTestIsNamedInFullAndUniquely() {
        List<String> names = HarnessRuns.names(harness("diagonal").conformance());
        assertEquals(
                List.of(
                        "fixture / diagonal / describes itself",
                        "fixture / diagonal / declared as a service",
                        "fixture / diagonal / random N(0, 0.2²) / every parameter learns",
                        "fixture / diagonal / random N(0, 0.2²) / survives save and load",
                        "fixture / diagonal / initial / round trip x→u→x",
                        "fixture / diagonal / initial / round trip u→x→u",
                        "fixture / diagonal / initial / log-det and Jacobian structure",
                        "fixture / diagonal / initial / finite for x in [−50, 50]",
                        "fixture / diagonal / initial / position agnostic"),
                names.subList(0, 9));
        assertEquals(4 + 3 * 5, names.size(), names::toString);
        assertEquals(names.size(), Set.copyOf(names).size(), () -> "duplicate names in " + names);
    }

    /** A coupling whose state lives outside its registered parameters is caught by the save/load check. */
    @Test
    void stateOutsideTheParametersIsCaughtBySaveAndLoad() {
        List<String> failed = failures(harness("cached-scale"));
        assertEquals(
                List.of(
                        "fixture / cached-scale / declared as a service",
                        "fixture / cached-scale / random N(0, 0.2²) / survives save and load"),
                failed);
    }

    private static CouplingHarness harness(String variant) {
        return new CouplingHarness() {
            @Override
            protected List<CouplingCase> cases() {
                return List.of(CouplingCase.of(variant, new FixtureProvider(), CouplingCase.context(CHANNELS, 1, 4))
                        .withOptions(Map.of("variant", variant))
                        .withExtreme("scales 1e-4", c -> {
                            Parameters.get(c, "head.weight")
                                    .narrow(0, CHANNELS, CHANNELS)
                                    .zero_();
                            Parameters.get(c, "head.bias")
                                    .narrow(0, CHANNELS, CHANNELS)
                                    .fill_(new Scalar(Math.log(1e-4)));
                        }));
            }
        };
    }

    private static List<String> failures(CouplingHarness harness) {
        return HarnessRuns.failures(harness.conformance());
    }
}
