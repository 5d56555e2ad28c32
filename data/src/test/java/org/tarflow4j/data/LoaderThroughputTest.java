package org.tarflow4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a test of speed: prints how many tokens per second {@link BatchSampler} delivers from a
 * memory-mapped split (tensor creation included), after a warm-up that also loads libtorch. Nothing here
 * asserts a time.
 */
class LoaderThroughputTest {
    @Test
    void printsBatchSamplerTokensPerSecond(@TempDir Path dir) throws Exception {
        TokenSplit split = Fixtures.counting(dir, "train", 20_000_000, 50_257);
        for (int[] shape : new int[][] {{16, 128}, {32, 256}, {8, 1024}}) {
            BatchSampler sampler = new BatchSampler(split, shape[0], shape[1], 0);
            for (long step = 0; step < 100; step++) {
                try (PointerScope scope = new PointerScope()) {
                    sampler.batch(-1 - step);
                }
            }
            long tokens = 0;
            long start = System.nanoTime();
            for (long step = 0; step < 400; step++) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor batch = sampler.batch(step);
                    tokens += batch.numel();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "BatchSampler %dx%d from a uint16 split of 20M tokens: %.1f M tokens/s (%.0f batches/s)%n",
                    shape[0], shape[1], tokens / seconds / 1e6, 400 / seconds);
            assertEquals(400L * shape[0] * shape[1], tokens);
        }
    }
}
