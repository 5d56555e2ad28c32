/**
 * The conformance harness every coupling is run through: built-ins, the example plugin and third-party plugins.
 * See {@link org.tarflow4j.testkit.CouplingHarness}.
 */
module org.tarflow4j.testkit {
    requires transitive org.tarflow4j.api;
    requires transitive org.junit.jupiter.api;

    exports org.tarflow4j.testkit;

    opens org.tarflow4j.testkit to
            org.junit.platform.commons;

    uses org.tarflow4j.api.CouplingProvider;
}
