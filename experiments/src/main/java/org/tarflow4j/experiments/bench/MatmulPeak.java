package org.tarflow4j.experiments.bench;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * What this process gets from one large square matmul, the yardstick for model FLOP/s: {@code 2·n³} FLOPs per
 * product, in GFLOP/s, the median of {@code repeats} timed products.
 */
public record MatmulPeak(int size, int repeats, double fp32, double bf16) {
    public static MatmulPeak measure(int size, int repeats) {
        return new MatmulPeak(
                size,
                repeats,
                Stopwatch.median(rates(size, repeats, torch.ScalarType.Float)),
                Stopwatch.median(rates(size, repeats, torch.ScalarType.BFloat16)));
    }

    /** GFLOP/s of {@code repeats} timed {@code n×n} products in {@code dtype}, after one untimed product. */
    static double[] rates(int n, int repeats, torch.ScalarType dtype) {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(n, n).to(dtype);
            Tensor b = torch.randn(n, n).to(dtype);
            a.mm(b);
            double[] rates = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                try (PointerScope inner = new PointerScope()) {
                    rates[r] = 2.0 * n * n * n / Stopwatch.seconds(() -> a.mm(b)) / 1e9;
                }
            }
            return rates;
        }
    }
}
