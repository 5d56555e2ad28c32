package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;

/**
 * Every config shipped under examples/ passes {@code tarflow config check}: its keys, types and component options.
 * The corpus is swapped for the embedded one, whose data a fresh machine has (the model is built at its vocabulary).
 */
class ExampleConfigsTest {
    private static final Path ROOT =
            Path.of(System.getProperty("tarflow.root")).toAbsolutePath().normalize();

    static Stream<Path> configs() throws Exception {
        try (Stream<Path> files = Files.list(ROOT.resolve("examples/configs"))) {
            List<Path> list = Stream.concat(
                            files.filter(f -> f.toString().endsWith(".toml")).sorted(),
                            Stream.of(ROOT.resolve("examples/sweeps/cpu-base.toml")))
                    .toList();
            assertFalse(list.size() < 3, "examples/configs holds the example configs");
            return list.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void passesConfigCheck(Path config) {
        for (String kind : List.of("flow", "ar")) {
            try (PointerScope scope = new PointerScope()) {
                String resolved = Tarflow.checkConfig(
                        config, List.of("data.source=europarl", "model.kind=" + kind), PluginRegistry.host());
                assertTrue(resolved.contains("kind = \"" + kind + "\""), resolved);
            }
        }
    }
}
