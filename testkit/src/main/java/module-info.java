/**
 * The conformance harnesses every plugin is run through, built-in or third-party: {@link
 * org.tarflow4j.testkit.CouplingHarness}, {@link org.tarflow4j.testkit.BackboneHarness} and {@link
 * org.tarflow4j.testkit.MixerHarness}.
 */
module org.tarflow4j.testkit {
    requires transitive org.tarflow4j.api;
    requires transitive org.junit.jupiter.api;

    exports org.tarflow4j.testkit;

    opens org.tarflow4j.testkit to
            org.junit.platform.commons;

    uses org.tarflow4j.api.CouplingProvider;
    uses org.tarflow4j.api.BackboneProvider;
    uses org.tarflow4j.api.MixerProvider;
}
