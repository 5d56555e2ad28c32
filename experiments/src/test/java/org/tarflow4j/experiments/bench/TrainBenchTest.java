package org.tarflow4j.experiments.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.PluginRegistry;

/** The training benchmark on a tiny model and the embedded corpus: the report's structure and finiteness. No timings. */
class TrainBenchTest {
    /** Two flow layers (Mix-d tied to the encoder, Mix-1) over 3-channel latents of 16 tokens, and the baseline. */
    static final String TINY = """
            [model]
            latent = 3
            context = 16
            [[flow]]
            coupling = "rosenblatt"
            [flow.coupling_options]
            tie_to_encoder = true
            [[flow]]
            coupling = "mog"
            [couplings.mog]
            mixtures = 4
            [backbones.transformer]
            depth = 1
            width = 16
            heads = 2
            [ar]
            embedding = 8
            [ar.backbone_options]
            depth = 2
            [train]
            batch = 2
            threads = 1
            """;

    static final TrainBench.Settings SETTINGS = new TrainBench.Settings(2, 1, 2, 32, 2);

    @Test
    void reportsEveryModelAndPrecisionWithTargets(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("tiny.toml"), TINY);
        List<String> log = new ArrayList<>();
        try (PointerScope s = new PointerScope()) {
            TrainBench.Report r = TrainBench.run(file, List.of(), PluginRegistry.host(), SETTINGS, log::add);
            assertTrue(r.peak().fp32() > 0 && r.peak().bf16() > 0, r.peak().toString());
            assertEquals(4, r.throughputs().size());
            for (TrainBench.Throughput t : r.throughputs()) {
                assertEquals(2 * 16, t.tokensPerStep(), t.toString());
                assertTrue(
                        t.secondsPerStep() > 0 && Double.isFinite(t.tokensPerSecond()) && t.flopsPerStep() > 0,
                        t.toString());
                assertEquals(0, t.skipped(), t.toString());
            }
            assertEquals(2, r.flowBackbones().size(), "one backbone per flow layer");
            // 2·P·T + 4·T²·W·L with P = 8·16 + 2·(16·48 + 16·16 + 16·64 + 64·16) (input projection from the
            // embedding width 8, then the two blocks [ar.backbone_options] asks for), T = 16, W = 16, L = 2
            assertEquals(
                    2.0 * (8 * 16 + 2 * (16 * 48 + 16 * 16 + 16 * 64 + 64 * 16)) * 16 + 4.0 * 16 * 16 * 16 * 2,
                    r.arBackbones().get(0).forwardPerSequence(),
                    0.0,
                    "the ar baseline's backbone as [ar.backbone_options] builds it");
            assertEquals(4, r.backbonesAlone().size(), "flow and ar, fp32 and bf16");
            assertTrue(
                    r.backbonesAlone().stream().allMatch(a -> a.secondsPerPass() > 0 && a.flopsPerPass() > 0),
                    r.backbonesAlone().toString());
            assertEquals(6, r.targets().size());
            assertTrue(
                    r.targets().stream().allMatch(t -> Double.isFinite(t.value()) && t.value() > 0),
                    r.targets().toString());
            assertEquals(2, r.profiles().size(), "a step profile of flow and of ar");
            TrainBench.Profile flow = r.profiles().get(0);
            assertEquals(2, flow.steps(), "one profiled step a round");
            assertEquals(
                    List.of(
                            "encoder",
                            "tied decoder",
                            "layer 1 backbone",
                            "layer 1 coupling",
                            "layer 2 backbone",
                            "layer 2 coupling",
                            "loss",
                            "prior and loss (backward)",
                            "layer 2 coupling (backward)",
                            "layer 2 backbone (backward)",
                            "layer 1 coupling (backward)",
                            "layer 1 backbone (backward)",
                            "tied decoder (backward)",
                            "input (backward)",
                            "clipping and AdamW"),
                    List.copyOf(flow.sections().keySet()),
                    "the flow step's sections in the order the step reaches them");
            assertEquals(
                    List.of(
                            "embedding",
                            "backbone",
                            "read-out",
                            "loss",
                            "read-out (backward)",
                            "backbone (backward)",
                            "input (backward)",
                            "clipping and AdamW"),
                    List.copyOf(r.profiles().get(1).sections().keySet()));
            for (TrainBench.Profile p : r.profiles())
                assertTrue(p.sections().values().stream().allMatch(v -> v >= 0) && p.total() > 0, p.toString());
            assertTrue(r.peakMemoryMiB() > 0, "VmHWM read from /proc/self/status");
            assertEquals(1, r.threads());
            assertTrue(
                    r.environment().containsKey("OPENBLAS_THREAD_TIMEOUT"),
                    r.environment().toString());
            assertEquals(2, log.stream().filter(l -> l.startsWith("round ")).count(), log.toString());
            String json = r.toJson();
            for (String key : List.of(
                    "\"matmul\"", "\"training\"", "\"targets\"", "\"vmhwm_mib\"", "\"flop_formula\"", "\"profiles\""))
                assertTrue(json.contains(key), key + " in " + json);
        }
    }

    @Test
    void refusesAnArConfig(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("ar.toml"), TINY.replace("[model]\n", "[model]\nkind = \"ar\"\n"));
        TarflowException e = assertThrows(
                TarflowException.class,
                () -> TrainBench.run(file, List.of(), PluginRegistry.host(), SETTINGS, m -> {}));
        assertTrue(e.getMessage().contains("give a flow config"), e.getMessage());
    }
}
