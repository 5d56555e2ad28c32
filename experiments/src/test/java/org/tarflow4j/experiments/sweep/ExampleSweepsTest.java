package org.tarflow4j.experiments.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every sweep shipped in examples/sweeps passes the check a sweep makes before its first run: its base found (the
 * files name it relative to themselves), every run's config parsed and its model built. The corpus is the embedded
 * one, which they all train on.
 */
class ExampleSweepsTest {
    private static final Path SWEEPS = Path.of(System.getProperty("tarflow.root"))
            .toAbsolutePath()
            .normalize()
            .resolve("examples/sweeps");

    static Stream<Path> sweeps() throws Exception {
        try (Stream<Path> files = Files.list(SWEEPS)) {
            List<Path> list = files.filter(f -> f.toString().endsWith(".toml"))
                    .filter(f -> !f.getFileName().toString().equals("cpu-base.toml")) // a base, not a sweep
                    .sorted()
                    .toList();
            assertTrue(list.size() >= 8, "examples/sweeps holds the sweep files: " + list);
            return list.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("sweeps")
    void everyRunPassesTheSweepsOwnCheck(Path file, @TempDir Path dir) {
        SweepSpec spec = SweepSpec.read(file);
        int planned = Plan.of(spec).runs().size();
        try (PointerScope scope = new PointerScope()) {
            List<Sweep.Prepared> runs = new Sweep(
                            spec, dir.resolve("out"), 1, SweepRunTest.REGISTRY, null, new SweepListener() {}, () -> 0)
                    .check();
            assertEquals(planned, runs.size(), file.toString());
            assertTrue(planned >= 2, file + " plans " + planned + " runs");
        }
    }
}
