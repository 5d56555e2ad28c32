package org.tarflow4j.coupling.rosenblatt;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Codebook;

/** Codebooks for the tied coupling's tests and probes, standing in for the encoder's. */
final class Codebooks {
    private Codebooks() {}

    /** The codebook of these tensors. */
    static Codebook of(Tensor means, Tensor logScales) {
        return new Codebook() {
            @Override
            public Tensor means() {
                return means;
            }

            @Override
            public Tensor logScales() {
                return logScales;
            }
        };
    }

    /**
     * {@code vocab} float64 means drawn from {@code N(0, I_d)} (libtorch's generator, as seeded by the caller) and
     * every scale {@code scale}; both require gradients.
     */
    static Codebook random(int vocab, int d, double scale) {
        TensorOptions f64 = new TensorOptions(torch.ScalarType.Double);
        Tensor means = torch.randn(new long[] {vocab, d}, f64).requires_grad_(true);
        Tensor logScales =
                torch.full(new long[] {vocab}, new Scalar(Math.log(scale)), f64).requires_grad_(true);
        return of(means, logScales);
    }
}
