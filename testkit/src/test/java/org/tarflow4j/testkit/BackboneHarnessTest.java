package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tarflow4j.api.BackboneContext;

/** The backbone harness passes a correct backbone and catches each flaw with the check that exists for it. */
class BackboneHarnessTest {
    private static final String RANDOM = "random N(0, 0.2²)";

    @Test
    void aCorrectBackbonePassesEverythingButTheServiceDeclaration() {
        assertEquals(
                List.of("fixture-backbone / causal / declared as a service"),
                HarnessRuns.failures(harness("causal").conformance()));
    }

    @Test
    void everyTestIsNamedInFullAndUniquely() {
        List<String> names = HarnessRuns.names(harness("causal").conformance());
        assertEquals(
                List.of(
                        "fixture-backbone / causal / describes itself",
                        "fixture-backbone / causal / declared as a service",
                        "fixture-backbone / causal / " + RANDOM + " / every parameter learns",
                        "fixture-backbone / causal / " + RANDOM + " / survives save and load",
                        "fixture-backbone / causal / initial / runs under bf16 autocast",
                        "fixture-backbone / causal / " + RANDOM + " / finite for x in [−50, 50]",
                        "fixture-backbone / causal / initial / causal",
                        "fixture-backbone / causal / initial / stepping equals the full pass",
                        "fixture-backbone / causal / " + RANDOM + " / causal",
                        "fixture-backbone / causal / " + RANDOM + " / stepping equals the full pass"),
                names);
        assertEquals(names.size(), Set.copyOf(names).size());
    }

    @ParameterizedTest(name = "{0} fails: {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "peeks; initial / causal | initial / stepping equals the full pass | " + RANDOM + " / causal | "
                        + RANDOM + " / stepping equals the full pass | initial / runs under bf16 autocast",
                "ignores-input; initial / causal | " + RANDOM + " / causal | " + RANDOM + " / every parameter learns",
                "stale-stepper; initial / stepping equals the full pass | " + RANDOM
                        + " / stepping equals the full pass | initial / runs under bf16 autocast",
                "unused-parameter; " + RANDOM + " / every parameter learns",
                "nan-far-out; " + RANDOM + " / finite for x in [−50, 50]",
                "cached-shift; " + RANDOM + " / survives save and load"
            })
    void eachFlawIsCaughtByItsCheck(String variant, String expected) {
        List<String> failed = HarnessRuns.failures(harness(variant).conformance());
        List<String> want =
                new java.util.ArrayList<>(List.of("fixture-backbone / " + variant + " / declared as a service"));
        for (String check : expected.split(" \\| ")) want.add("fixture-backbone / " + variant + " / " + check);
        assertEquals(Set.copyOf(want), Set.copyOf(failed), failed::toString);
    }

    private static BackboneHarness harness(String variant) {
        return new BackboneHarness() {
            @Override
            protected List<BackboneCase> cases() {
                return List.of(BackboneCase.of(variant, new FixtureBackboneProvider(), new BackboneContext(3, 6))
                        .withOptions(Map.of("variant", variant)));
            }
        };
    }
}
