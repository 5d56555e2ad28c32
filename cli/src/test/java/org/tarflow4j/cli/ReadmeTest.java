package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's two commands are the ones CI runs, the launcher they name exists, and its GPU section's error is real. */
class ReadmeTest {
    private static final Path ROOT = Path.of(System.getProperty("tarflow.root"));

    private static List<String> codeLines() throws Exception {
        List<String> lines = new ArrayList<>();
        boolean code = false;
        for (String line : Files.readAllLines(ROOT.resolve("README.md"))) {
            if (line.startsWith("```")) code = !code;
            else if (code) lines.add(line.strip());
        }
        return lines;
    }

    @Test
    void theTestCommandIsWhatCiRuns() throws Exception {
        List<String> commands = codeLines();
        assertTrue(commands.contains("./tarflow train"), "the main command");
        assertTrue(commands.contains("mvn -B verify"), "the test command");
        List<String> ci = Files.readAllLines(ROOT.resolve(".ci/run")).stream()
                .map(String::strip)
                .toList();
        assertTrue(ci.contains("mvn -B verify"), ".ci/run runs the README's test command");
        assertTrue(ci.stream().anyMatch(l -> l.contains("./tarflow train")), ".ci/run runs the README's main command");
        assertTrue(Files.isExecutable(ROOT.resolve(".ci/run")));
    }

    @Test
    void theLauncherIsExecutableAndRunsTheCliModule() throws Exception {
        Path launcher = ROOT.resolve("tarflow");
        assertTrue(Files.isExecutable(launcher));
        String text = Files.readString(launcher);
        assertTrue(
                text.contains("-m org.tarflow4j.cli/org.tarflow4j.cli.Main"), "runs the cli module on the module path");
        assertEquals(
                1,
                text.lines()
                        .filter(l -> l.contains("OMP_WAIT_POLICY"))
                        .filter(l -> l.startsWith("export"))
                        .count());
    }

    /**
     * The README's GPU section shows, as a code line, the error {@code train.device = "cuda"} gives on the CPU build
     * (what this test runs on): the command prints exactly that line, before reading data or building a model.
     */
    @Test
    void theGpuSectionShowsTheErrorCudaGivesOnTheCpuBuild(@TempDir Path dir) throws Exception {
        MainTest.Run r =
                MainTest.tarflow("train", "--run-dir", dir.resolve("run").toString(), "--set", "train.device=cuda");
        assertEquals(Main.USER_ERROR, r.status(), r.err());
        String line = r.err().strip();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("error: train.device = \"cuda\", but this build of tarflow4j"), line);
        assertTrue(codeLines().contains(line), "README.md, section GPU, shows this line as printed: " + line);
        assertTrue(Files.notExists(dir.resolve("run/result.json")), "nothing trained");
    }
}
