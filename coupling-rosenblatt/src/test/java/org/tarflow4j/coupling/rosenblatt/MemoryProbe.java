package org.tarflow4j.coupling.rosenblatt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Codebook;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Transformed;

/**
 * Peak resident memory of one tied Mix-d coupling call, for a measurement by hand (not a test): run one
 * configuration per JVM, e.g.
 *
 * <pre>
 * java -cp ... org.tarflow4j.coupling.rosenblatt.MemoryProbe train|inverse V d positions lean|reference|default [float64|float32]
 * </pre>
 *
 * <p>{@code default} sets no option but the tie (so the same source measures a build from before the options existed).
 *
 * <p>{@code train} is forward plus backward of the likelihood loss (x float64 requiring grad, features float32
 * requiring grad, the head in float32, a tied float64 codebook requiring grad), {@code inverse} the inverse without
 * gradient. Linux only: it resets the peak with {@code /proc/self/clear_refs} after building the inputs and reads
 * {@code VmHWM} after the call, so the number is what the call itself added at its peak. Prints one line.
 */
public final class MemoryProbe {
    private MemoryProbe() {}

    public static void main(String[] args) throws IOException {
        String mode = args[0];
        int vocab = Integer.parseInt(args[1]);
        int d = Integer.parseInt(args[2]);
        long positions = Long.parseLong(args[3]);
        String path = args[4];
        String dtype = args.length > 5 ? args[5] : "float64";
        int featureWidth = 64;
        TensorOptions f64 = new TensorOptions(torch.ScalarType.Double);
        Codebook codebook = Codebooks.random(vocab, d, 0.3);
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("tie_to_encoder", true);
        if (!path.equals("default")) {
            options.put("lean", path.equals("lean"));
            options.put("density_dtype", dtype);
        }
        CouplingContext context = new CouplingContext(d, d, featureWidth, vocab, Optional.of(codebook));
        Coupling coupling =
                new RosenblattCouplingProvider().create(Options.of("couplings.rosenblatt", "probe", options), context);
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(7);
            Tensor x = torch.randn(new long[] {1, positions, d}, f64).requires_grad_(true);
            Tensor h = torch.randn(new long[] {1, positions, featureWidth}).requires_grad_(true);
            long base = resetPeak();
            long start = System.nanoTime();
            if (mode.equals("train")) {
                Transformed out = coupling.forward(x, h);
                out.value()
                        .square()
                        .mul(new Scalar(-0.5))
                        .sum()
                        .add(out.logDet().sum())
                        .neg()
                        .backward();
                check(x.grad(), "x");
                check(codebook.means().grad(), "means");
            } else {
                try (NoGradGuard ignored = new NoGradGuard()) {
                    check(coupling.inverse(x, h), "inverse");
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long peak = status("VmHWM") - base;
            System.out.printf(
                    "mode=%s V=%d d=%d positions=%d path=%s dtype=%s peak_MB=%.1f seconds=%.2f%n",
                    mode, vocab, d, positions, path, dtype, peak / 1024.0, seconds);
        }
    }

    private static void check(Tensor t, String what) {
        if (!torch.isfinite(t).all().item_bool()) throw new IllegalStateException(what + " is not finite");
    }

    /** Resets the peak resident size to the current one and returns it, in kB. */
    private static long resetPeak() throws IOException {
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        return status("VmRSS");
    }

    private static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith(key + ":")) return Long.parseLong(line.replaceAll("\\D", ""));
        throw new IllegalStateException(key + " not in /proc/self/status");
    }
}
