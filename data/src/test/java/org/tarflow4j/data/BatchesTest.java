package org.tarflow4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training batches (random windows, a function of seed and step) and evaluation batches (the whole split, in order). */
class BatchesTest {
    @TempDir
    Path dir;

    @Test
    void batchIsAFunctionOfSeedAndStep() throws Exception {
        TokenSplit split = Fixtures.counting(dir, "train", 100_000, 50_000);
        try (PointerScope scope = new PointerScope()) {
            BatchSampler a = new BatchSampler(split, 8, 64, 42);
            BatchSampler b = new BatchSampler(split, 8, 64, 42);
            Tensor first = a.batch(7);
            assertEquals(torch.ScalarType.Long, first.scalar_type().intern(), "int64 ids");
            assertArrayEquals(new long[] {8, 64}, first.sizes().vec().get());
            assertArrayEquals(
                    Fixtures.values(first),
                    Fixtures.values(b.batch(7)),
                    "same seed and step, same batch (a resumed run)");
            a.batch(3);
            assertArrayEquals(
                    Fixtures.values(first), Fixtures.values(a.batch(7)), "independent of the steps drawn before");
            assertFalse(
                    Arrays.equals(Fixtures.values(first), Fixtures.values(a.batch(8))), "another step, another batch");
            assertFalse(
                    Arrays.equals(a.offsets(7), new BatchSampler(split, 8, 64, 43).offsets(7)),
                    "another seed, another batch");

            long[] offsets = a.offsets(7);
            long[] ids = Fixtures.values(first);
            for (int row = 0; row < 8; row++) {
                assertTrue(
                        offsets[row] >= 0 && offsets[row] <= split.size() - 64,
                        "window inside the split: " + offsets[row]);
                for (int t = 0; t < 64; t++)
                    assertEquals(split.get(offsets[row] + t), ids[row * 64 + t], "row " + row + " is a window");
            }
        }
    }

    @Test
    void rowsOfAStepAreTheSameHoweverTheyAreRead() throws Exception {
        TokenSplit split = Fixtures.counting(dir, "rows", 100_000, 50_000);
        BatchSampler sampler = new BatchSampler(split, 4, 32, 9);
        long[] all = sampler.offsets(11, 0, 12);
        assertArrayEquals(Arrays.copyOfRange(all, 0, 4), sampler.offsets(11), "batch(step) is rows [0, batch)");
        for (int first : new int[] {0, 3, 4, 8})
            assertArrayEquals(
                    Arrays.copyOfRange(all, first, first + 4),
                    sampler.offsets(11, first, 4),
                    "rows " + first + ".." + (first + 3) + " alone are those rows of the whole step");
        try (PointerScope scope = new PointerScope()) {
            long[] ids = Fixtures.values(sampler.batch(11, 8, 4));
            for (int row = 0; row < 4; row++)
                for (int t = 0; t < 32; t++) assertEquals(split.get(all[8 + row] + t), ids[row * 32 + t]);
        }
    }

    @Test
    void sequentialBatchesReadByIndexAreTheIteration() throws Exception {
        TokenSplit split = Fixtures.counting(dir, "indexed", 1003, 50_000);
        SequentialBatches batches = new SequentialBatches(split, 4, 64, 8);
        try (PointerScope scope = new PointerScope()) {
            long i = 0;
            for (Tensor t : batches)
                assertArrayEquals(Fixtures.values(t), Fixtures.values(batches.batch(i++)), "batch " + (i - 1));
            assertEquals(batches.batches(), i);
        }
    }

    @Test
    void offsetsCoverTheWholeRangeIncludingTheLastWindow() throws Exception {
        TokenSplit split = Fixtures.counting(dir, "small", 70, 1000);
        BatchSampler sampler = new BatchSampler(split, 16, 64, 1);
        boolean[] seen = new boolean[7];
        for (long step = 0; step < 100; step++) for (long o : sampler.offsets(step)) seen[(int) o] = true;
        for (int o = 0; o < 7; o++) assertTrue(seen[o], "offset " + o + " of 0..6 drawn in 1,600 draws");
    }

    @Test
    void sequentialBatchesCoverTheSplitExactlyOnceInOrder() throws Exception {
        for (int size : new int[] {1000, 1003, 64 * 6}) {
            TokenSplit split = Fixtures.counting(dir, "valid" + size, size, 50_000);
            SequentialBatches batches = new SequentialBatches(split, 4, 64, 8);
            long expected = size - size % 64 % 8;
            assertEquals(expected, batches.tokens(), "all but the last size % 64 % 8 tokens");
            long next = 0;
            long count = 0;
            try (PointerScope scope = new PointerScope()) {
                for (Tensor t : batches) {
                    count++;
                    long[] shape = t.sizes().vec().get();
                    assertTrue(
                            shape[1] == 64 || (shape[0] == 1 && shape[1] % 8 == 0), "shape " + Arrays.toString(shape));
                    for (long id : Fixtures.values(t))
                        assertEquals(next++, id, "split of " + size + ": token " + (next - 1));
                }
            }
            assertEquals(expected, next, "every covered token exactly once");
            assertEquals(batches.batches(), count);
        }
    }
}
