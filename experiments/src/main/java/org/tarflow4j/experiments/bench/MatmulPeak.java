package org.tarflow4j.experiments.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Placement;

/**
 * What this process gets from one large square matmul on a device, the yardstick for model FLOP/s: {@code 2·n³}
 * FLOPs per product, in GFLOP/s, the median of {@code repeats} timed products.
 */
public record MatmulPeak(int size, int repeats, double fp32, double bf16) {
    public static MatmulPeak measure(Placement placement, int size, int repeats) {
        return new MatmulPeak(
                size,
                repeats,
                Stopwatch.median(rates(placement, size, repeats, torch.ScalarType.Float)),
                Stopwatch.median(rates(placement, size, repeats, torch.ScalarType.BFloat16)));
    }

    /** GFLOP/s of {@code repeats} timed {@code n×n} products in {@code dtype}, after one untimed product. */
    static double[] rates(Placement placement, int n, int repeats, torch.ScalarType dtype) {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(new long[] {n, n}, placement.options(dtype));
            Tensor b = torch.randn(new long[] {n, n}, placement.options(dtype));
            a.mm(b);
            double[] rates = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                try (PointerScope inner = new PointerScope()) {
                    rates[r] = 2.0 * n * n * n / Stopwatch.seconds(placement, () -> a.mm(b)) / 1e9;
                }
            }
            return rates;
        }
    }
}
