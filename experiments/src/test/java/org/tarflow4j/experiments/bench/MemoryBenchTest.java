package org.tarflow4j.experiments.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.plugin.PluginRegistry;

/** The memory benchmark on the tiny model of {@link TrainBenchTest}: the report's structure and finiteness. No timings. */
class MemoryBenchTest {
    @Test
    void measuresArThenFlowWithWallAndCpuTimesAndTheLargestBatch(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("tiny.toml"), TrainBenchTest.TINY);
        MemoryBench.Report r = MemoryBench.run(file, List.of(), PluginRegistry.host(), 2, List.of(16), m -> {});
        assertEquals(
                List.of("ar", "flow"),
                r.measurements().stream().map(MemoryBench.Measurement::model).toList());
        for (MemoryBench.Measurement m : r.measurements()) {
            assertTrue(m.peakMiB() > 0 && m.estimateMiB() > 0, m.toString());
            assertTrue(m.secondsPerStep() > 0 && m.cpuSecondsPerStep() > 0, m.toString());
            assertEquals(2, m.batch(), m.toString());
            assertEquals(m.model(), m.profile().model());
            assertTrue(
                    m.profile().sections().containsKey("clipping and AdamW"),
                    m.profile().toString());
        }
        assertEquals(
                List.of(
                        "ar |estimate / measured peak − 1|",
                        "flow |estimate / measured peak − 1|",
                        "flow peak / ar peak",
                        "flow step time / ar step time",
                        "flow step CPU time / ar step CPU time"),
                r.targets().stream().map(TrainBench.Target::name).toList());
        assertTrue(r.targets().stream().allMatch(t -> Double.isFinite(t.value()) && t.value() > 0), r.toString());
        assertEquals(1, r.largest().size());
        assertTrue(r.largest().get(0).batch() > 0, r.largest().toString());
        assertTrue(r.toJson().contains("\"cpu_seconds_per_step\""), r.toJson());
        assertTrue(r.toJson().contains("\"profile_ms\""), r.toJson());
    }
}
