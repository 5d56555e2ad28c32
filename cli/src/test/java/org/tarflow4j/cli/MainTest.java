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
        assertTrue(r.out().matches("tarflow4j \\S+ \\(plugin API 1\\.2\\.0, libtorch 2\\.10\\.0\\)\\s*"), r.out());
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
        // name, version, API range: the couplings read api.numerics of API 1.1 (the lean path, the density dtype)
        for (String row : new String[] {
            "affine 1.1.0 ^1.1",
            "mog 1.1.0 ^1.1",
            "rosenblatt 1.1.0 ^1.1",
            "even-odd 1.0.0 ^1.0",
            "identity 1.0.0 ^1.0",
            "transformer 1.0.0 ^1.0"
        }) {
            String[] p = row.split(" ");
            String pattern = "\\w+\\s+" + p[0] + "\\s+" + p[1].replace(".", "\\.") + "\\s+\\" + p[2].replace(".", "\\.")
                    + "\\s+built-in\\s+.+";
            assertTrue(r.out().lines().anyMatch(l -> l.matches(pattern)), row + " in\n" + r.out());
        }
        assertTrue(
                r.out()
                        .lines()
                        .anyMatch(l -> l.matches("coupling\\s+sinh-arcsinh\\s+0\\.3\\.0\\s+\\S+\\s+"
                                + installed.toString().replace(".", "\\.") + "\\s+.+")),
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
}
