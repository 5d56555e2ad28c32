package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tarflow4j.api.MixerContext;

/** The mixer harness passes correct mixers and catches each flaw with the check that exists for it. */
class MixerHarnessTest {
    private static final String RANDOM = "random N(0, 0.2²)";

    @Test
    void correctMixersPassEverythingButTheServiceDeclaration() {
        assertEquals(List.of("fixture-mixer / lu / declared as a service"), HarnessRuns.failures(harness("lu")));
        assertEquals(
                List.of("fixture-mixer / reverse / declared as a service"), HarnessRuns.failures(harness("reverse")));
    }

    /** A mixer with parameters is checked in the random state too; one without, in its only state. */
    @Test
    void everyTestIsNamedInFullAndUniquely() {
        List<String> learned = HarnessRuns.names(harness("lu"));
        assertEquals(
                List.of(
                        "fixture-mixer / lu / describes itself",
                        "fixture-mixer / lu / declared as a service",
                        "fixture-mixer / lu / " + RANDOM + " / every parameter learns",
                        "fixture-mixer / lu / " + RANDOM + " / survives save and load",
                        "fixture-mixer / lu / initial / round trip x→y→x",
                        "fixture-mixer / lu / initial / round trip y→x→y",
                        "fixture-mixer / lu / initial / log-det against the Jacobian",
                        "fixture-mixer / lu / initial / finite for x in [−50, 50]",
                        "fixture-mixer / lu / " + RANDOM + " / round trip x→y→x",
                        "fixture-mixer / lu / " + RANDOM + " / round trip y→x→y",
                        "fixture-mixer / lu / " + RANDOM + " / log-det against the Jacobian",
                        "fixture-mixer / lu / " + RANDOM + " / finite for x in [−50, 50]"),
                learned);
        assertEquals(learned.size(), Set.copyOf(learned).size());
        assertEquals(7, HarnessRuns.names(harness("reverse")).size());
    }

    @ParameterizedTest(name = "{0} fails: {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "wrong-log-det; " + RANDOM + " / log-det against the Jacobian",
                "mixes-positions; initial / round trip x→y→x | initial / round trip y→x→y | initial / log-det against the"
                        + " Jacobian | " + RANDOM + " / round trip x→y→x | " + RANDOM + " / round trip y→x→y | "
                        + RANDOM
                        + " / log-det against the Jacobian",
                "lossy-inverse; initial / round trip x→y→x | initial / round trip y→x→y | " + RANDOM
                        + " / round trip x→y→x | " + RANDOM + " / round trip y→x→y",
                "unused-parameter; " + RANDOM + " / every parameter learns"
            })
    void eachFlawIsCaughtByItsCheck(String variant, String expected) {
        List<String> failed = HarnessRuns.failures(harness(variant));
        List<String> want = new ArrayList<>(List.of("fixture-mixer / " + variant + " / declared as a service"));
        for (String check : expected.split(" \\| ")) want.add("fixture-mixer / " + variant + " / " + check);
        assertEquals(Set.copyOf(want), Set.copyOf(failed), failed::toString);
    }

    private static Stream<DynamicTest> harness(String variant) {
        return new MixerHarness() {
            @Override
            protected List<MixerCase> cases() {
                return List.of(MixerCase.of(variant, new FixtureMixerProvider(), new MixerContext(6, 3))
                        .withOptions(Map.of("variant", variant)));
            }
        }.conformance();
    }
}
