package org.tarflow4j.experiments.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.PluginRegistry;

/** The coupling benchmark at toy sizes: which rows it makes, and that every number in them is a number. No timings. */
class CouplingBenchTest {
    static final CouplingBench.Settings TINY = new CouplingBench.Settings(
            List.of(2, 3), List.of(3, 4), List.of(3, 6), 1, 4, 8, 2, 1, 11, Placement.CPU, 1L << 12);

    @Test
    void measuresEveryRegisteredCouplingOverTheAxesItDependsOn() {
        try (PointerScope s = new PointerScope()) {
            PluginRegistry registry = PluginRegistry.host();
            List<CouplingBench.Row> streamed = new ArrayList<>();
            List<CouplingBench.Row> rows = CouplingBench.run(registry, TINY, streamed::add);
            assertEquals(rows, streamed, "every row is handed out as it is measured");
            Set<String> names = registry.all(ComponentKind.COUPLING).stream()
                    .map(r -> r.name())
                    .collect(Collectors.toSet());
            assertEquals(names, rows.stream().map(CouplingBench.Row::coupling).collect(Collectors.toSet()));
            for (CouplingBench.Row r : rows) {
                assertNull(r.error(), r.toString());
                assertTrue(
                        r.forwardPerSecond() > 0 && r.inversePerSecond() > 0 && Double.isFinite(r.ratio()),
                        r.toString());
                assertEquals(4L * r.channels(), r.elements(), r.toString());
                // float64 inverses solved to the couplings' default tolerance (1e-13 in log-probability); 1e-6 leaves
                // room. float32 density math resolves x to about 1e-7/σ; the bench perturbs parameters by N(0, 0.2²),
                // wider than the float32 conformance cases (round trips within 1e-4), so 1e-3 here.
                double tolerance = "float32".equals(r.density()) ? 1e-3 : 1e-6;
                assertTrue(
                        r.roundTrip() < tolerance,
                        "round trip " + r.roundTrip() + " >= " + tolerance + " (seed 11): " + r);
                assertTrue(r.memory().seconds() > 0, r.toString());
                assertTrue(r.toJson().startsWith("{\"coupling\":\"" + r.coupling() + "\""), r.toJson());
            }
            // mog reads 'mixtures' and does not depend on V; rosenblatt depends on V; affine on neither; all three read
            // density_dtype.
            assertEquals(
                    List.of(
                            "2/3/null/float64",
                            "2/3/null/float32",
                            "2/4/null/float64",
                            "2/4/null/float32",
                            "3/3/null/float64",
                            "3/3/null/float32",
                            "3/4/null/float64",
                            "3/4/null/float32"),
                    axes(rows, "mog"));
            assertEquals(
                    List.of(
                            "2/null/3/float64",
                            "2/null/3/float32",
                            "2/null/6/float64",
                            "2/null/6/float32",
                            "3/null/3/float64",
                            "3/null/3/float32",
                            "3/null/6/float64",
                            "3/null/6/float32"),
                    axes(rows, "rosenblatt"));
            assertEquals(
                    List.of("2/null/null/float64", "2/null/null/float32", "3/null/null/float64", "3/null/null/float32"),
                    axes(rows, "affine"));
            assertTrue(
                    rows.stream()
                            .filter(r -> r.coupling().equals("mog"))
                            .allMatch(r -> r.meanIterations() >= 1 && r.maxIterations() >= 1),
                    "the mixture inverse is a Newton solve: at least one iteration");
            assertTrue(
                    rows.stream().filter(r -> r.coupling().equals("affine")).allMatch(r -> r.maxIterations() == 0),
                    "a closed-form inverse reports no iterations");
        }
    }

    private static List<String> axes(List<CouplingBench.Row> rows, String coupling) {
        return rows.stream()
                .filter(r -> r.coupling().equals(coupling))
                .map(r -> r.channels() + "/" + r.mixtures() + "/" + r.vocab() + "/" + r.density())
                .toList();
    }
}
