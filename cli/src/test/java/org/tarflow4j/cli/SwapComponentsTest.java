package org.tarflow4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.core.plugin.Registered;
import org.tarflow4j.trainer.Tarflow;

/**
 * Swapping a component by config works on the built-in default and on every example config: every layer's coupling
 * to each coupling there is (by its name and by its aliases), every layer's mixer to each mixer, and the last layer's
 * coupling alone (the one layer of the built-in default; a layer after the first in the examples). Each swap passes
 * config check (the model is built, so each component checks its options); the backbones are shrunk so that the
 * GPU-sized examples build quickly.
 */
class SwapComponentsTest {
    private static final PluginRegistry REGISTRY = PluginRegistry.host();
    private static final List<String> SMALL =
            List.of("data.source=europarl", "backbones.transformer.width=16", "backbones.transformer.heads=2");

    @TestFactory
    Stream<DynamicTest> everyComponentSwapsInEveryConfig() throws Exception {
        List<Path> configs = new ArrayList<>();
        configs.add(null);
        configs.addAll(ExampleConfigsTest.configs().toList());
        List<String> swaps = new ArrayList<>();
        for (Registered r : REGISTRY.all(ComponentKind.COUPLING)) {
            swaps.add("flow[*].coupling=" + r.name());
            swaps.add("flow[LAST].coupling=" + r.name());
            r.aliases().forEach(a -> swaps.add("flow[*].coupling=" + a));
        }
        for (Registered r : REGISTRY.all(ComponentKind.MIXER)) swaps.add("flow[*].mixer=" + r.name());
        assertTrue(
                swaps.contains("flow[*].coupling=Mix-1") && swaps.contains("flow[*].coupling=Mix-d"), swaps.toString());
        List<DynamicTest> tests = new ArrayList<>();
        for (Path config : configs) {
            String last =
                    "flow[" + (Tarflow.config(config, SMALL, REGISTRY).flow().size() - 1) + "]";
            for (String swap :
                    swaps.stream().map(s -> s.replace("flow[LAST]", last)).toList())
                tests.add(DynamicTest.dynamicTest(
                        (config == null ? "built-in default" : config.getFileName()) + ": --set " + swap, () -> {
                            List<String> overrides = new ArrayList<>(SMALL);
                            overrides.add(swap);
                            try (PointerScope scope = new PointerScope()) {
                                TarflowConfig c = Tarflow.config(config, overrides, REGISTRY);
                                String resolved = Tarflow.checkConfig(c, REGISTRY);
                                String chosen = REGISTRY.canonical(
                                        swap.contains(".coupling=") ? ComponentKind.COUPLING : ComponentKind.MIXER,
                                        swap.substring(swap.indexOf('=') + 1));
                                assertTrue(resolved.contains(" = \"" + chosen + "\"\n"), resolved);
                                for (String note : c.notes())
                                    assertTrue(
                                            note.matches("flow\\[\\d+]\\.\\w+ is now " + chosen + "; its \\w+_options"
                                                    + " for [\\w-]+ \\([\\w, ]+\\) no longer apply"),
                                            note);
                            }
                        }));
        }
        return tests.stream();
    }

    /** The default's layer 0 is Mix-d tied to the encoder: swapping it drops tie_to_encoder, and says so once. */
    @TestFactory
    Stream<DynamicTest> theDefaultSaysWhichOptionsItDropped() {
        return Stream.of("affine", "mog", "Mix-1")
                .map(name -> DynamicTest.dynamicTest(name, () -> {
                    TarflowConfig c = Tarflow.config(null, List.of("flow[*].coupling=" + name), REGISTRY);
                    assertEquals(
                            List.of("flow[0].coupling is now " + REGISTRY.canonical(ComponentKind.COUPLING, name)
                                    + "; its coupling_options for rosenblatt (tie_to_encoder) no longer apply"),
                            c.notes());
                }));
    }
}
