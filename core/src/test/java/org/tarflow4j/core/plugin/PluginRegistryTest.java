package org.tarflow4j.core.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.api.ApiVersion;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.testkit.PluginJars;

/** Loading plugin jars from a folder: each in its own layer, refused with a reason, never taking the others down. */
class PluginRegistryTest {
    @TempDir
    static Path work;

    static Path plugins;

    @BeforeAll
    static void buildPlugins() throws IOException {
        plugins = Files.createDirectories(work.resolve("plugins"));
        Path fixtures = Files.createDirectories(work.resolve("fixtures"));
        move(PluginJars.build(
                fixtures, "good", PluginJars.shiftCoupling("com.example.good", "shift", "1.2.0", "^1.0")));
        move(PluginJars.build(
                fixtures,
                "future",
                PluginJars.shiftCoupling("com.example.future", "future-shift", "2.0.0", ">=2.0.0 <3.0.0")));
        move(PluginJars.build(
                fixtures, "twin", PluginJars.shiftCoupling("com.example.twin", "shift", "9.9.9", "^1.0")));
        Path missing = PluginJars.build(
                fixtures,
                "missing",
                Map.of(
                        "module-info.java",
                        "module com.example.missing { exports com.example.missing; }",
                        "com/example/missing/Helper.java",
                        "package com.example.missing; public class Helper {}"));
        Map<String, String> broken = new java.util.HashMap<>(
                PluginJars.shiftCoupling("com.example.broken", "broken-shift", "1.0.0", "^1.0"));
        broken.put(
                "module-info.java",
                "module com.example.broken { requires org.tarflow4j.api; requires com.example.missing;"
                        + " provides org.tarflow4j.api.CouplingProvider with com.example.broken.ShiftProvider; }");
        move(PluginJars.build(fixtures, "broken", broken, missing));
        Map<String, String> throwing = new java.util.HashMap<>(
                PluginJars.shiftCoupling("com.example.throwing", "throwing-shift", "1.0.0", "^1.0"));
        throwing.put(
                "com/example/throwing/ShiftProvider.java",
                throwing.get("com/example/throwing/ShiftProvider.java")
                        .replace(
                                "public final class ShiftProvider implements CouplingProvider {",
                                "public final class ShiftProvider implements CouplingProvider {\n"
                                        + "static { if (Boolean.parseBoolean(\"true\"))"
                                        + " throw new IllegalStateException(\"no licence key in $SHIFT_KEY\"); }"));
        move(PluginJars.build(fixtures, "throwing", throwing));
        Files.write(plugins.resolve("damaged.jar"), new byte[] {1, 2, 3});
        move(PluginJars.build(
                fixtures,
                "aliased",
                PluginJars.shiftCoupling(
                        "com.example.aliased", "spline", "1.0.0", "^1.0", List.of("RQS", "Spline-2"))));
        Map<String, String> clashes = new java.util.HashMap<>();
        clashes.putAll(PluginJars.shiftCoupling("com.example.clashes.alias", "other", "1.0.0", "^1.0", List.of("rqs")));
        clashes.putAll(PluginJars.shiftCoupling("com.example.clashes.name", "rqs", "1.0.0", "^1.0"));
        clashes.putAll(
                PluginJars.shiftCoupling("com.example.clashes.bad", "badly", "1.0.0", "^1.0", List.of("bad alias")));
        clashes.put(
                "module-info.java",
                "module com.example.clashes { requires org.tarflow4j.api; provides org.tarflow4j.api.CouplingProvider"
                        + " with com.example.clashes.alias.ShiftProvider, com.example.clashes.name.ShiftProvider,"
                        + " com.example.clashes.bad.ShiftProvider; }");
        move(PluginJars.build(fixtures, "clashes", clashes));
        Path bundle = Files.createDirectories(plugins.resolve("with-deps"));
        Map<String, String> needs =
                new java.util.HashMap<>(PluginJars.shiftCoupling("com.example.needs", "needs-helper", "1.0.0", "^1.0"));
        needs.put(
                "module-info.java",
                "module com.example.needs { requires org.tarflow4j.api; requires com.example.missing;"
                        + " provides org.tarflow4j.api.CouplingProvider with com.example.needs.ShiftProvider; }");
        Files.move(PluginJars.build(fixtures, "needs", needs, missing), bundle.resolve("needs.jar"));
        Files.copy(missing, bundle.resolve("missing.jar"));
    }

    private static void move(Path jar) throws IOException {
        Files.move(jar, plugins.resolve(jar.getFileName()));
    }

    @Test
    void goodPluginIsFoundAndAttributedToItsJar() {
        PluginRegistry registry = PluginRegistry.load(plugins);
        Registered shift = registry.find(ComponentKind.COUPLING, "shift");
        assertEquals("1.2.0", shift.version());
        assertEquals(plugins.resolve("good.jar").toString(), shift.origin());
        assertEquals("com.example.good", shift.provider().getClass().getModule().getName());
        assertTrue(
                shift.provider().getClass().getModule().getLayer()
                        != ApiVersion.class.getModule().getLayer(),
                "a plugin gets its own module layer");
    }

    @Test
    void aFolderOfJarsIsOnePluginWithItsDependencies() {
        Registered needs = PluginRegistry.load(plugins).find(ComponentKind.COUPLING, "needs-helper");
        assertEquals(plugins.resolve("with-deps").toString(), needs.origin());
    }

    @Test
    void incompatibleApiRangeIsRefusedWithPluginRangeAndHostVersion() {
        PluginRegistry registry = PluginRegistry.load(plugins);
        Refusal r = refusal(registry, "future-shift");
        assertEquals("coupling 'future-shift' 2.0.0", r.plugin());
        assertEquals(plugins.resolve("future.jar").toString(), r.origin());
        assertEquals(
                "requires tarflow API >=2.0.0 <3.0.0, but this host provides API " + ApiVersion.CURRENT
                        + "; use a build of the coupling made for API " + ApiVersion.CURRENT,
                r.reason());
    }

    @Test
    void missingDependencyIsReportedAndTheOthersStillLoad() {
        PluginRegistry registry = PluginRegistry.load(plugins);
        Refusal broken = registry.refused().stream()
                .filter(f -> f.plugin().equals("broken.jar"))
                .findFirst()
                .orElseThrow();
        assertTrue(broken.reason().contains("com.example.missing"), broken.reason());
        Refusal damaged = registry.refused().stream()
                .filter(f -> f.plugin().equals("damaged.jar"))
                .findFirst()
                .orElseThrow();
        assertTrue(damaged.reason().startsWith("cannot be loaded"), damaged.reason());
        assertEquals("1.2.0", registry.find(ComponentKind.COUPLING, "shift").version());
    }

    @Test
    void secondProviderOfOneNameIsReported() {
        Refusal twin = refusal(PluginRegistry.load(plugins), "shift");
        assertEquals("coupling 'shift' 9.9.9", twin.plugin());
        assertTrue(
                twin.reason()
                        .startsWith("duplicate coupling name 'shift': already provided by 1.2.0 ("
                                + plugins.resolve("good.jar")),
                twin.reason());
    }

    /** Issue 14, case 15: every command warns, and says which of the two is used. */
    @Test
    void twoProvidersOfOneNameAreAWarningThatSaysWhichIsUsed() {
        assertEquals(
                List.of("two plugins provide the coupling 'shift': 1.2.0 from " + plugins.resolve("good.jar")
                        + " is used, 9.9.9 from " + plugins.resolve("twin.jar") + " is ignored; remove one of them"),
                PluginRegistry.load(plugins).warnings());
    }

    /** Issue 14, case 15: the exception a provider's static initialiser threw is the reason given. */
    @Test
    void aProviderWhoseStaticInitialiserThrowsIsRefusedWithTheCause() {
        Refusal r = PluginRegistry.load(plugins).refused().stream()
                .filter(f -> f.plugin().equals("com.example.throwing.ShiftProvider"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        PluginRegistry.load(plugins).refused().toString()));
        assertEquals(plugins.resolve("throwing.jar").toString(), r.origin());
        assertEquals(
                "cannot be instantiated: its static initialiser threw java.lang.IllegalStateException: no licence key"
                        + " in $SHIFT_KEY",
                r.reason());
    }

    /** Issue 14, case 15: a plugins folder the user named must be one. */
    @Test
    void aNamedPluginsFolderThatIsMissingOrAFileIsAnError() throws IOException {
        Path absent = work.resolve("absent");
        assertEquals(
                "--plugins names " + absent + ", which does not exist; give the folder that holds your plugin jars",
                assertThrows(TarflowException.class, () -> PluginRegistry.loadNamed(absent, "--plugins"))
                        .getMessage());
        Path jar = plugins.resolve("good.jar");
        assertEquals(
                "TARFLOW_PLUGINS names " + jar
                        + ", which is a file, not a folder; put the jar into a folder and name that folder",
                assertThrows(TarflowException.class, () -> PluginRegistry.loadNamed(jar, "TARFLOW_PLUGINS"))
                        .getMessage());
        assertEquals(plugins, PluginRegistry.loadNamed(plugins, "--plugins").folder());
    }

    @Test
    void unknownNameListsWhatIsAvailable() {
        TarflowException e = assertThrows(
                TarflowException.class, () -> PluginRegistry.load(plugins).find(ComponentKind.COUPLING, "shfit"));
        assertTrue(e.getMessage().startsWith("no coupling named 'shfit'; available: "), e.getMessage());
        assertTrue(e.getMessage().contains("shift 1.2.0 (" + plugins.resolve("good.jar") + ")"), e.getMessage());
        assertTrue(e.getMessage().contains("needs-helper 1.0.0"), e.getMessage());
    }

    @Test
    void aliasesAndNamesInAnyCaseFindTheProviderByItsName() {
        PluginRegistry registry = PluginRegistry.load(plugins);
        for (String name : List.of("spline", "SPLINE", "RQS", "rqs", "spline-2", "Spline-2")) {
            assertEquals("spline", registry.find(ComponentKind.COUPLING, name).name(), name);
            assertEquals("spline", registry.canonical(ComponentKind.COUPLING, name), name);
            assertTrue(
                    registry.catalog(org.tarflow4j.api.CouplingProvider.class).has(name), name);
        }
        assertEquals(
                List.of("RQS", "Spline-2"),
                registry.find(ComponentKind.COUPLING, "rqs").aliases());
        assertEquals("nothing", registry.canonical(ComponentKind.COUPLING, "nothing"));
        assertEquals("rqs", registry.canonical(ComponentKind.MIXER, "rqs"), "aliases belong to their kind");
    }

    @Test
    void aNameOrAliasAnotherProviderAnswersToIsRefused() {
        PluginRegistry registry = PluginRegistry.load(plugins);
        String spline = "spline 1.0.0 (" + plugins.resolve("aliased.jar") + "; also RQS, Spline-2)";
        assertEquals(
                "its alias 'rqs' is already taken by the coupling " + spline
                        + " (names and aliases are matched ignoring case); remove one of them",
                refusal(registry, "other").reason());
        assertEquals(
                "its name 'rqs' is already taken by the coupling " + spline
                        + " (names and aliases are matched ignoring case); remove one of them",
                refusal(registry, "rqs").reason());
        assertEquals(
                "invalid alias 'bad alias': use ASCII letters, digits, '.', '_' or '-'",
                refusal(registry, "badly").reason());
        TarflowException e =
                assertThrows(TarflowException.class, () -> registry.find(ComponentKind.COUPLING, "spleen"));
        assertTrue(e.getMessage().contains(spline), e.getMessage());
    }

    @Test
    void missingPluginsFolderMeansNoPlugins() {
        PluginRegistry registry = PluginRegistry.load(work.resolve("absent"));
        assertEquals(List.of(), registry.refused());
    }

    private static Refusal refusal(PluginRegistry registry, String name) {
        return registry.refused().stream()
                .filter(r -> r.plugin().contains("'" + name + "'"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no refusal for " + name + " in " + registry.refused()));
    }
}
