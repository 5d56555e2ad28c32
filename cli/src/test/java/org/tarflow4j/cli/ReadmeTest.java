package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's two commands are the ones CI runs, and the launcher they name exists. */
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
}
