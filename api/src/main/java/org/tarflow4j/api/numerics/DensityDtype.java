package org.tarflow4j.api.numerics;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Options;

/**
 * The floating dtype a density coupling does its math in, whatever the dtype of the latents it is given: float64
 * (the default, exact to the tolerances of the conformance harness) or float32, for accelerators whose float64 rate
 * is a small fraction of their float32 rate. Inputs are cast to it on the way in and results back to the caller's
 * dtype on the way out; {@link Normal} and {@link MixtureSolver} pick their tail thresholds and resolution from the
 * dtype of the tensors they are given, so the same log-space safeguards hold in both.
 */
public enum DensityDtype {
    FLOAT64("float64", torch.ScalarType.Double),
    FLOAT32("float32", torch.ScalarType.Float);

    /** The option every density coupling reads: {@code density_dtype = "float64" | "float32"}. */
    public static final String OPTION = "density_dtype";

    private final String label;
    private final torch.ScalarType type;

    DensityDtype(String label, torch.ScalarType type) {
        this.label = label;
        this.type = type;
    }

    /** {@code density_dtype} from a coupling's options, {@code "float64"} when absent. */
    public static DensityDtype read(Options options) {
        String v = options.getChoice(OPTION, FLOAT64.label, FLOAT64.label, FLOAT32.label);
        return v.equals(FLOAT32.label) ? FLOAT32 : FLOAT64;
    }

    /** The TOML spelling, {@code "float64"} or {@code "float32"}. */
    public String label() {
        return label;
    }

    public torch.ScalarType scalarType() {
        return type;
    }

    /** Bytes per element. */
    public int bytes() {
        return this == FLOAT64 ? 8 : 4;
    }

    /** {@code t} in this dtype (itself when it already is). */
    public Tensor cast(Tensor t) {
        return t.scalar_type().intern() == type ? t : t.to(type);
    }

    /** Whether {@code t} is a float32 tensor (or narrower): tail thresholds then follow float32's range. */
    static boolean single(Tensor t) {
        torch.ScalarType s = t.scalar_type().intern();
        return s != torch.ScalarType.Double;
    }
}
