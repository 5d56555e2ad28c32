package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.api.ApiVersion;

/** The command line as a user meets it: exit codes, one-line errors, the plugins listing, config check. */
class MainTest {
    record Run(int status, String out, String err) {}

    static Run tarflow(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void versionNamesTheApi() {
        Run r = tarflow("--version");
        assertEquals(0, r.status());
        assertTrue(
                r.out()
                        .matches("tarflow4j \\S+ \\(plugin API " + ApiVersion.CURRENT.replace(".", "\\.")
                                + ", libtorch 2\\.10\\.0\\)\\s*"),
                r.out());
    }

    @Test
    void userErrorsAreOneLineWithoutStackTrace(@TempDir Path dir) throws Exception {
        Run r = tarflow("config", "check", dir.resolve("missing.toml").toString());
        assertEquals(Main.USER_ERROR, r.status());
        assertEquals(
                "error: config file " + dir.resolve("missing.toml") + " does not exist; give the path of a .toml file"
                        + " (examples/configs has some), or none for the built-in default",
                r.err().strip());
        Path bad = Files.writeString(dir.resolve("bad.toml"), "[train]\nsteps = \"many\"\n");
        r = tarflow("config", "check", bad.toString());
        assertEquals(Main.USER_ERROR, r.status());
        assertEquals(
                "error: [train] steps must be an integer, but is the string \"many\" (" + bad + ")",
                r.err().strip());
        assertFalse(r.err().contains("\tat "), "no stack trace without --debug");
        r = tarflow("config", "check", bad.toString(), "--debug");
        assertTrue(r.err().contains("\tat "), "--debug shows the stack trace");
    }

    @Test
    void unknownCommandIsAUsageError() {
        Run r = tarflow("trian");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Unmatched argument"), r.err());
    }

    @Test
    void pluginsListsBuiltInsAndTheExamplePluginWithItsJar(@TempDir Path plugins) throws Exception {
        Path jar;
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("tarflow.examplePlugins")))) {
            jar = s.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        Path installed = Files.copy(jar, plugins.resolve(jar.getFileName()));
        Files.write(plugins.resolve("broken.jar"), new byte[] {0});
        Run r = tarflow("plugins", "--plugins", plugins.toString());
        assertEquals(0, r.status(), r.err());
        // kind, name, aliases, version, API range: the couplings read api.numerics of API 1.1 (the lean path, the
        // density dtype), Mix-d that of 1.6 (its hand-written backward pass)
        for (String row : new String[] {
            "coupling affine - 1.1.0 ^1.1",
            "coupling mog Mix-1 2.0.0 ^1.2",
            "coupling rosenblatt Mix-d 1.4.0 ^1.6",
            "mixer even-odd - 1.1.0 ^1.2",
            "mixer identity - 1.1.0 ^1.2",
            "backbone transformer - 1.1.0 ^1.2"
        })
            assertTrue(
                    r.out().lines().anyMatch(l -> l.replaceAll("\\s+", " ").startsWith(row + " built-in ")),
                    row + " in\n" + r.out());
        assertTrue(
                r.out()
                        .lines()
                        .anyMatch(l -> l.replaceAll("\\s+", " ")
                                .startsWith("coupling sinh-arcsinh - 0.3.0 ^1.0 " + installed + " ")),
                r.out());
        assertTrue(
                r.out().contains("Refused:\n  broken.jar (" + plugins.resolve("broken.jar") + "): cannot be loaded"),
                r.out());
    }

    @Test
    void configCheckPrintsAConfigThatChecksAgain(@TempDir Path dir) throws Exception {
        Run r = tarflow("config", "check", "--set", "train.steps=42");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("steps = 42"), r.out());
        assertTrue(r.out().contains("[flow.coupling_options]\ntie_to_encoder = true"), r.out());
        Path resolved = Files.writeString(dir.resolve("resolved.toml"), r.out());
        Run again = tarflow("config", "check", resolved.toString());
        assertEquals(0, again.status(), again.err());
        assertEquals(r.out(), again.out());
    }

    /** libtorch's natives failing to load is a user's error of one line; other errors stay internal errors. */
    @Test
    void nativesThatDoNotLoadAreNamed() {
        UnsatisfiedLinkError link = new UnsatisfiedLinkError("no jnitorch in java.library.path");
        link.initCause(
                new UnsatisfiedLinkError("/cache/libtorch_cpu.so: libcupti.so.13: cannot open shared object file"));
        assertEquals(
                "libtorch's native libraries do not load (libcupti.so.13); see --debug for the loader's error",
                Main.nativesFailure(link));
        assertTrue(Main.nativesFailure(
                        new NoClassDefFoundError("Could not initialize class org.bytedeco.pytorch.global.torch"))
                .startsWith("libtorch's native libraries do not load (Could not initialize class"));
        assertEquals(null, Main.nativesFailure(new StackOverflowError()));
    }

    /** The README's first swap, on the built-in default: the old coupling's options go, said in one line. */
    @Test
    void swappingEveryLayersCouplingWorksOnTheDefaultAndSaysWhatWasDropped() {
        Run r = tarflow("config", "check", "--set", "flow[*].coupling=mog");
        assertEquals(0, r.status(), r.err());
        assertEquals(
                "note: flow[0].coupling is now mog; its coupling_options for rosenblatt (tie_to_encoder) no longer"
                        + " apply",
                r.err().strip());
        assertTrue(!r.out().contains("tie_to_encoder"), r.out());
        r = tarflow("config", "check", "--set", "flow[*].coupling=Mix-d");
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err(), "the paper's name for layer 0's own coupling: nothing is dropped");
        assertEquals(1, r.out().split("coupling = \"rosenblatt\"", -1).length - 1, r.out());
    }

    @Test
    void setAndUnsetApplyInTheirCommandLineOrder() {
        Run r = tarflow(
                "config",
                "check",
                "--unset",
                "flow[0].coupling_options",
                "--set=flow[0].coupling_options.tie_to_encoder=true",
                "--unset",
                "train.batch");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("[flow.coupling_options]\ntie_to_encoder = true"), r.out());
        assertTrue(r.out().contains("batch = 32\n"), "the default batch, not the built-in config's 16\n" + r.out());
        r = tarflow(
                "config",
                "check",
                "--set",
                "flow[0].coupling_options.tie_to_encoder=true",
                "--unset",
                "flow[0].coupling_options");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("tie_to_encoder = false"), "unset last: the default applies\n" + r.out());
    }

    /** An error about a value set on the command line names the --set, not the config file. */
    @Test
    void errorsNameTheSetTheValueCameFrom() {
        // the three-layer stack: its layers after the first are Mix-1 (the shared [couplings.mog] is checked where a
        // layer uses it) and have no options of their own to leave behind
        String stack = Path.of(System.getProperty("tarflow.root"), "examples/configs/three-layer.toml")
                .toString();
        Run r = tarflow("config", "check", stack, "--set", "flow[1].coupling=spline");
        assertEquals(Main.USER_ERROR, r.status());
        assertTrue(
                r.err()
                        .strip()
                        .startsWith("error: flow[1].coupling = \"spline\" (--set flow[1].coupling=spline): no"
                                + " coupling named 'spline'; available: affine 1.1.0 (built-in), mog 2.0.0 (built-in; also"
                                + " Mix-1), rosenblatt 1.4.0 (built-in; also Mix-d)."),
                r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        r = tarflow("config", "check", stack, "--set", "couplings.mog.mixtures=0");
        assertEquals(
                "error: [couplings.mog] mixtures is 0, expected a value in [1, 4096] (--set couplings.mog.mixtures=0)",
                r.err().strip());
        r = tarflow("config", "check", stack, "--set", "flow[2].coupling_options.mixtures=two");
        assertEquals(
                "error: [flow[2].coupling_options over couplings.mog] mixtures must be an integer, but is the string \"two\" (--set"
                        + " flow[2].coupling_options.mixtures=two)",
                r.err().strip());
        r = tarflow("config", "check", "--set", "flow[*].coupling_options.mixtures=4");
        assertTrue(
                r.err()
                        .strip()
                        .startsWith("error: unknown key 'mixtures' in [flow[0].coupling_options] (--set"
                                + " flow[*].coupling_options.mixtures=4): the coupling 'rosenblatt' reads "),
                r.err());
        r = tarflow("config", "check", "--unset", "flow[*].mixer_options");
        assertEquals(
                "error: --unset 'flow[*].mixer_options': the config has no flow[*].mixer_options in any layer to"
                        + " remove; check the path ('tarflow config check' prints the whole config)",
                r.err().strip());
    }
}
