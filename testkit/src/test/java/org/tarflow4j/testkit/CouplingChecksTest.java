package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.BiConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.OptionException;

/** Each check passes a correct coupling and catches the one flaw it exists for. Tolerances are those of {@link CouplingChecks}. */
class CouplingChecksTest {
    private static final CouplingContext CONTEXT = CouplingCase.context(4, 2, 5);

    @ParameterizedTest
    @ValueSource(strings = {"diagonal", "triangular"})
    void correctCouplingsPassEveryCheck(String variant) {
        run(variant, CouplingChecks::roundTripFromData);
        run(variant, CouplingChecks::roundTripFromNoise);
        run(variant, CouplingChecks::logDetMatchesJacobian);
        run(variant, CouplingChecks::finiteOnWideInputs);
        run(variant, CouplingChecks::everyParameterLearns);
        run(variant, CouplingChecks::positionAgnostic);
        CouplingChecks.describesItself(new FixtureProvider());
    }

    @Test
    void wrongLogDetIsCaught() {
        assertCaught("wrong-log-det", CouplingChecks::logDetMatchesJacobian, "log-det differs from log|det J|");
    }

    @Test
    void channelMixingBehindADiagonalClaimIsCaught() {
        assertCaught("mixes-channels", CouplingChecks::logDetMatchesJacobian, "off-diagonal entry");
    }

    @Test
    void entriesAboveTheDiagonalBehindATriangularClaimAreCaught() {
        assertCaught("not-lower-triangular", CouplingChecks::logDetMatchesJacobian, "above the diagonal");
    }

    @Test
    void positionsInfluencingEachOtherAreCaught() {
        assertCaught("mixes-positions", CouplingChecks::logDetMatchesJacobian, "between different positions");
        assertCaught("mixes-positions", CouplingChecks::positionAgnostic, "a call on one");
    }

    @Test
    void anInexactInverseIsCaughtBothWays() {
        assertCaught("lossy-inverse", CouplingChecks::roundTripFromData, "x→u→x max error");
        assertCaught("lossy-inverse", CouplingChecks::roundTripFromNoise, "u→x→u max abs error");
    }

    @Test
    void anUnconvergedInverseIsCaught() {
        assertCaught("unconverged", CouplingChecks::roundTripFromNoise, "did not converge");
    }

    @Test
    void aParameterWithoutGradientIsCaught() {
        assertCaught("unused-parameter", CouplingChecks::everyParameterLearns, "[unused]");
    }

    @Test
    void nanForLargeInputsIsCaught() {
        assertCaught("nan-far-out", CouplingChecks::finiteOnWideInputs, "NaN or infinite");
    }

    @Test
    void anUnreadOptionFailsCreation() {
        CouplingCase c =
                CouplingCase.of("bogus", new FixtureProvider(), CONTEXT).withOptions(Map.of("bogus", 1L));
        OptionException e = assertThrows(OptionException.class, c::create);
        assertTrue(e.getMessage().contains("bogus"), e.getMessage());
    }

    @Test
    void anUndeclaredProviderIsCaught() {
        AssertionError e =
                assertThrows(AssertionError.class, () -> CouplingChecks.declaredAsService(new FixtureProvider()));
        assertTrue(e.getMessage().contains(FixtureProvider.class.getName()), e.getMessage());
    }

    @Test
    void aFailureNamesTheSeed() {
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> Seed.run("case / check", () -> {
                    throw new AssertionError("boom");
                }));
        assertTrue(
                e.getMessage().startsWith("case / check: boom [seed " + Seed.value() + "; replay with -Dtarflow.seed="),
                e.getMessage());
    }

    private static void assertCaught(String variant, BiConsumer<Coupling, CouplingContext> check, String expected) {
        AssertionError e = assertThrows(AssertionError.class, () -> run(variant, check), variant + " must fail");
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    /** One check on a fresh fixture in the random state, seeded as the harness does. */
    private static void run(String variant, BiConsumer<Coupling, CouplingContext> check) {
        CouplingCase c =
                CouplingCase.of(variant, new FixtureProvider(), CONTEXT).withOptions(Map.of("variant", variant));
        Seed.run(() -> {
            Coupling coupling = c.create();
            try (PointerScope scope = new PointerScope()) {
                c.randomState().applyTo(coupling);
                check.accept(coupling, CONTEXT);
            }
        });
    }
}
