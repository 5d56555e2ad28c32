package org.tarflow4j.coupling.rosenblatt;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Codebook;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Transformed;

/**
 * Seconds of a tied Mix-d coupling in float64 and float32 density math, measured side by side in one JVM (not a
 * test): {@code java -cp ... DtypeSpeedProbe V d positions repeats}. Each repeat times, for both dtypes in turn,
 * a forward without gradient, the inverse, and a forward plus backward; the minimum over repeats is printed.
 */
public final class DtypeSpeedProbe {
    private DtypeSpeedProbe() {}

    public static void main(String[] args) {
        int vocab = Integer.parseInt(args[0]);
        int d = Integer.parseInt(args[1]);
        long positions = Long.parseLong(args[2]);
        int repeats = Integer.parseInt(args[3]);
        TensorOptions f64 = new TensorOptions(torch.ScalarType.Double);
        torch.manual_seed(11);
        Codebook codebook = Codebooks.random(vocab, d, 0.3);
        CouplingContext context = new CouplingContext(d, d, 64, vocab, Optional.of(codebook));
        String[] dtypes = {"float64", "float32"};
        Coupling[] couplings = new Coupling[2];
        for (int i = 0; i < 2; i++) {
            Map<String, Object> options = new LinkedHashMap<>();
            options.put("tie_to_encoder", true);
            options.put("density_dtype", dtypes[i]);
            couplings[i] = new RosenblattCouplingProvider()
                    .create(Options.of("couplings.rosenblatt", "probe", options), context);
        }
        Tensor h = torch.randn(new long[] {1, positions, 64});
        Tensor u = torch.randn(new long[] {1, positions, d}, f64);
        double[][] best = new double[2][3];
        for (double[] b : best) java.util.Arrays.fill(b, Double.POSITIVE_INFINITY);
        double[] roundTrip = new double[2];
        for (int r = 0; r < repeats; r++)
            for (int i = 0; i < 2; i++)
                try (PointerScope scope = new PointerScope()) {
                    Coupling c = couplings[i];
                    Tensor x;
                    long t0 = System.nanoTime();
                    try (NoGradGuard ignored = new NoGradGuard()) {
                        x = c.inverse(u, h);
                    }
                    long t1 = System.nanoTime();
                    Transformed f;
                    try (NoGradGuard ignored = new NoGradGuard()) {
                        f = c.forward(x, h);
                    }
                    long t2 = System.nanoTime();
                    Tensor xg = x.detach().requires_grad_(true);
                    Transformed g = c.forward(xg, h);
                    g.value().square().sum().add(g.logDet().sum()).backward();
                    long t3 = System.nanoTime();
                    best[i][0] = Math.min(best[i][0], (t2 - t1) / 1e9);
                    best[i][1] = Math.min(best[i][1], (t1 - t0) / 1e9);
                    best[i][2] = Math.min(best[i][2], (t3 - t2) / 1e9);
                    roundTrip[i] = f.value().sub(u).abs().max().item_double();
                }
        for (int i = 0; i < 2; i++)
            System.out.printf(
                    "V=%d d=%d positions=%d %s: forward %.3f s, inverse %.3f s, forward+backward %.3f s,"
                            + " max |u − f(f⁻¹(u))| %.2e%n",
                    vocab, d, positions, dtypes[i], best[i][0], best[i][1], best[i][2], roundTrip[i]);
    }
}
