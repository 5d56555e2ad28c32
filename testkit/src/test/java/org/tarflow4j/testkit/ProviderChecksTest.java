package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.auto.service.AutoService;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tarflow4j.api.ApiVersion;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.Options;

/** A provider the host would refuse fails "describes itself" with the host's reason; service hints name the fix. */
class ProviderChecksTest {
    @ParameterizedTest(name = "name {0}, version {1}, requires {2}: {3}")
    @CsvSource(
            delimiter = ';',
            value = {
                "Spline; 1.0.0; ^1.0; must be lower-case ASCII",
                "spline; 1.0; ^1.0; version '1.0' is not SemVer",
                "spline; 1.0.0; banana; requires() is 'banana', which is not an API range: 'banana' is not a version",
                "spline; 1.0.0; ^1.0 ||; which is not an API range",
                "spline; 1.0.0; ^2.0; requires() is '^2.0', which does not admit the API",
                "spline; 1.0.0; >=1.0.0 <1.0.0; which does not admit the API"
            })
    void whatTheHostRefusesIsCaught(String name, String version, String requires, String expected) {
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> ProviderChecks.describesItself(new Described(name, version, requires, "One line.")));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @ParameterizedTest(name = "requires {0}")
    @CsvSource({"^1.0", "'>=1.0.0 <2.0.0'", "*", "^0.9 || ^1.0"})
    void rangesThatAdmitTheCurrentApiPass(String requires) {
        assertTrue(ApiVersion.CURRENT.startsWith("1."), "these ranges are written for API 1.x");
        ProviderChecks.describesItself(new Described("spline", "0.1.0-rc.1", requires, "One line."));
    }

    @Test
    void aMultiLineDescriptionIsCaught() {
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> ProviderChecks.describesItself(new Described("spline", "1.0.0", "^1.0", "Two\nlines.")));
        assertTrue(e.getMessage().contains("one non-empty line"), e.getMessage());
    }

    @ParameterizedTest(name = "aliases {0}: {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "Mix 1; alias 'Mix 1' must be ASCII letters",
                "-spline; alias '-spline' must be ASCII letters",
                "SPLINE; alias 'SPLINE' repeats the name or another alias",
                "RQS,rqs; alias 'rqs' repeats the name or another alias"
            })
    void malformedOrRepeatedAliasesAreCaught(String aliases, String expected) {
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> ProviderChecks.describesItself(new Aliased(
                        new Described("spline", "1.0.0", "^1.0", "One line."), List.of(aliases.split(",")))));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aliasesInAnyCaseWithDigitsAndDashesPass() {
        ProviderChecks.describesItself(
                new Aliased(new Described("spline", "1.0.0", "^1.0", "One line."), List.of("RQ-Spline", "rqs.2")));
    }

    /** In a named module, the missing {@code provides} is named first. */
    @Test
    void aMissingProvidesIsNamed() {
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> ProviderChecks.declaredAsService(new FixtureProvider(), CouplingProvider.class));
        assertTrue(
                e.getMessage()
                        .contains("module-info.java of org.tarflow4j.testkit lacks: provides "
                                + CouplingProvider.class.getName() + " with " + FixtureProvider.class.getName() + ";"),
                e.getMessage());
    }

    /** Not annotated: the hint says to annotate it and to add the processor. */
    @Test
    void anUnannotatedProviderIsToldToAnnotateAndAddTheProcessor() {
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> ProviderChecks.listedInServicesFile(FixtureProvider.class, CouplingProvider.class));
        assertTrue(
                e.getMessage()
                        .contains("annotate it with @AutoService(CouplingProvider.class) and add the annotation"
                                + " processor com.google.auto.service:auto-service in the <annotationProcessorPaths> of"
                                + " maven-compiler-plugin"),
                e.getMessage());
    }

    /** Annotated, but compiled without the processor (as this test is): the hint names the missing processor only. */
    @Test
    void anAnnotatedProviderWithoutServicesEntryIsToldThatTheProcessorDidNotRun() {
        assertTrue(ProviderChecks.annotatedWithAutoService(Annotated.class));
        assertTrue(!ProviderChecks.annotatedWithAutoService(FixtureProvider.class));
        AssertionError e = assertThrows(
                AssertionError.class,
                () -> ProviderChecks.listedInServicesFile(Annotated.class, CouplingProvider.class));
        assertTrue(
                e.getMessage()
                        .contains(
                                "although it is annotated with @AutoService: the AutoService annotation"
                                        + " processor did not run; add the annotation processor com.google.auto.service:auto-service"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("annotate it"), e.getMessage());
    }

    private record Described(String name, String version, String requires, String description)
            implements CouplingProvider {
        @Override
        public Coupling create(Options options, CouplingContext context) {
            throw new UnsupportedOperationException("only described");
        }
    }

    private record Aliased(Described described, List<String> aliases) implements CouplingProvider {
        @Override
        public String name() {
            return described.name();
        }

        @Override
        public String version() {
            return described.version();
        }

        @Override
        public String requires() {
            return described.requires();
        }

        @Override
        public String description() {
            return described.description();
        }

        @Override
        public Coupling create(Options options, CouplingContext context) {
            throw new UnsupportedOperationException("only described");
        }
    }

    @AutoService(CouplingProvider.class)
    public static final class Annotated implements CouplingProvider {
        @Override
        public String name() {
            return "annotated";
        }

        @Override
        public String version() {
            return "1.0.0";
        }

        @Override
        public String requires() {
            return "^1.0";
        }

        @Override
        public String description() {
            return "Annotated, compiled without the AutoService processor.";
        }

        @Override
        public Coupling create(Options options, CouplingContext context) {
            throw new UnsupportedOperationException("only declared");
        }
    }
}
