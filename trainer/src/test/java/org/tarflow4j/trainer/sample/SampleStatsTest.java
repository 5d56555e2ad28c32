package org.tarflow4j.trainer.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SampleStatsTest {
    /** Two equally frequent symbols: ln 2 nats; one symbol: 0; averaged over sequences. Tolerance 1e-12. */
    @Test
    void unigramEntropyIsPerSequenceInNats() {
        assertEquals(Math.log(2), SampleStats.entropy(List.of(new int[] {3, 3, 5, 5})), 1e-12);
        assertEquals(
                Math.log(4) / 2, SampleStats.entropy(List.of(new int[] {1, 2, 3, 4}, new int[] {7, 7, 7, 7})), 1e-12);
    }
}
