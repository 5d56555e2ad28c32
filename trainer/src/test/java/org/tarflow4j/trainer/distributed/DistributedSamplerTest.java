package org.tarflow4j.trainer.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.LongStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.DataConfig;
import org.tarflow4j.data.BatchSampler;
import org.tarflow4j.data.Corpus;

/**
 * The shards of a step's global batch: disjoint across ranks, and the same sequences with the same noise seeds however
 * the global batch is split over ranks and micro-batches.
 */
class DistributedSamplerTest {
    private static final int LENGTH = 16;

    private static BatchSampler rows(int batch) {
        DataConfig data = ConfigLoader.load(null, java.util.List.of()).data();
        return new BatchSampler(Corpus.open(data).split("train"), batch, LENGTH, 7);
    }

    @Test
    void twoRanksReadWhatOneProcessReadsWithAccumulationOrADoubleBatch() {
        int b = 3;
        try (PointerScope scope = new PointerScope()) {
            for (long step : new long[] {0, 5, 123}) {
                DistributedSampler rank0 = new DistributedSampler(rows(b), b, 0, 2);
                DistributedSampler rank1 = new DistributedSampler(rows(b), b, 1, 2);
                DistributedSampler alone = new DistributedSampler(rows(b), b, 0, 1);
                DistributedSampler doubled = new DistributedSampler(rows(2 * b), 2 * b, 0, 1);
                DistributedSampler.Batch r0 = rank0.batch(step, 0);
                DistributedSampler.Batch r1 = rank1.batch(step, 0);
                DistributedSampler.Batch all = doubled.batch(step, 0);
                assertArrayEquals(ids(alone.batch(step, 0).ids()), ids(r0.ids()), "rank 0 = micro-batch 0 alone");
                assertArrayEquals(ids(alone.batch(step, 1).ids()), ids(r1.ids()), "rank 1 = micro-batch 1 alone");
                assertArrayEquals(alone.batch(step, 1).noiseSeeds(), r1.noiseSeeds());
                long[] both = LongStream.concat(Arrays.stream(ids(r0.ids())), Arrays.stream(ids(r1.ids())))
                        .toArray();
                assertArrayEquals(both, ids(all.ids()), "the two shards are the doubled batch, in order");
                long[] seeds = LongStream.concat(Arrays.stream(r0.noiseSeeds()), Arrays.stream(r1.noiseSeeds()))
                        .toArray();
                assertArrayEquals(seeds, all.noiseSeeds());
            }
        }
    }

    @Test
    void shardsAreDisjointRowsOfTheStep() {
        int b = 2;
        int world = 3;
        int accumulate = 2;
        Set<Long> rowsSeen = new HashSet<>();
        Set<Long> seeds = new HashSet<>();
        for (int r = 0; r < world; r++) {
            DistributedSampler s = new DistributedSampler(rows(b), b, r, world);
            for (int a = 0; a < accumulate; a++) {
                for (int i = 0; i < b; i++) rowsSeen.add(s.firstRow(a) + i);
                for (long seed : s.batch(4, a).noiseSeeds()) seeds.add(seed);
            }
        }
        assertEquals(
                Set.copyOf(LongStream.range(0, (long) b * world * accumulate)
                        .boxed()
                        .toList()),
                rowsSeen);
        assertEquals(b * world * accumulate, seeds.size(), "every row its own noise");
        assertNotEquals(DistributedSampler.noiseSeed(7, 4, 0), DistributedSampler.noiseSeed(7, 5, 0), "per step");
    }

    @Test
    void describesTheGlobalBatch() {
        assertEquals(
                "global batch 256 sequences (32,768 tokens) = 32 per rank (train.batch) × 2 ranks (world size)"
                        + " × 4 micro-batches (train.accumulate)",
                DistributedSampler.describe(32, 2, 4, 128));
    }

    private static long[] ids(Tensor t) {
        long[] out = new long[(int) t.numel()];
        t.contiguous().data_ptr_long().get(out);
        return out;
    }
}
