package org.tarflow4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Placement;

/** The model's random numbers are a function of their own seed, drawn on the CPU and moved where they are used. */
class NoiseTest {
    @Test
    void aSeedGivesTheSameNumbersWhateverElseDraws() {
        try (PointerScope s = new PointerScope()) {
            torch.manual_seed(1);
            double[] a = Placement.hostDoubles(new Noise(42).normal(Placement.CPU, torch.ScalarType.Double, 3, 4));
            torch.manual_seed(2);
            torch.randn(100);
            double[] b = Placement.hostDoubles(new Noise(42).normal(Placement.CPU, torch.ScalarType.Double, 3, 4));
            assertArrayEquals(a, b, 0.0, "independent of the default generator's state");
            double[] c = Placement.hostDoubles(new Noise(43).normal(Placement.CPU, torch.ScalarType.Double, 3, 4));
            assertTrue(a[0] != c[0]);
        }
    }

    /** The draws are made on the CPU whatever the placement: on another device they arrive with the same shape. */
    @Test
    void drawsArriveOnThePlacement() {
        try (PointerScope s = new PointerScope()) {
            Tensor meta = new Noise(7).normal(Placement.META, torch.ScalarType.Double, 2, 5);
            assertTrue(meta.is_meta());
            assertArrayEquals(new long[] {2, 5}, meta.sizes().vec().get());
            Tensor u = new Noise(7).uniform(Placement.CPU, torch.ScalarType.Double, 1000);
            double[] v = Placement.hostDoubles(u);
            for (double x : v) assertTrue(x >= 0 && x < 1, "uniform draw " + x);
        }
    }

    /**
     * Tokens drawn by inverting the cumulative distribution follow it: 20,000 draws from (0.1, 0.6, 0, 0.3) land within
     * 0.015 of each probability (over 4 standard deviations), never on the zero-probability token, and a one-hot row
     * always gives its token.
     */
    @Test
    void categoricalDrawsFollowTheirDistribution() {
        try (PointerScope s = new PointerScope()) {
            int n = 20000;
            Tensor probabilities = Placement.CPU
                    .doubles(new double[] {0.1, 0.6, 0.0, 0.3}, 1, 4)
                    .expand(n, 4)
                    .contiguous();
            long[] drawn = Placement.hostLongs(new Noise(3).categorical(probabilities));
            assertEquals(n, drawn.length);
            double[] frequency = new double[4];
            for (long k : drawn) frequency[(int) k] += 1.0 / n;
            double[] expected = {0.1, 0.6, 0.0, 0.3};
            for (int k = 0; k < 4; k++)
                assertEquals(
                        expected[k], frequency[k], 0.015, "token " + k + " of " + java.util.Arrays.toString(frequency));
            assertEquals(0.0, frequency[2]);
            Tensor oneHot = Placement.CPU.doubles(new double[] {0, 0, 1, 0, 1, 0, 0, 0}, 2, 4);
            assertArrayEquals(new long[] {2, 0}, Placement.hostLongs(new Noise(9).categorical(oneHot)));
        }
    }
}
