package org.tarflow4j.coupling.rosenblatt;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Codebook;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.testkit.CouplingCase;
import org.tarflow4j.testkit.CouplingHarness;
import org.tarflow4j.testkit.Parameters;

/** Mix-d through the conformance harness: V = 1 and 16, own and tied codebooks, patch 1 and 2. */
class RosenblattConformanceTest extends CouplingHarness {
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);
    private static final int FEATURES = 6;

    @Override
    protected List<CouplingCase> cases() {
        return List.of(
                own("V=1 d=4", 4, 4, 1),
                own("V=16 d=4", 4, 4, 16),
                own("V=16 d=2 patch 2", 4, 2, 16),
                own("V=16 d=3 patch 2", 6, 3, 16),
                tied("tied V=12 d=4, σ=0.4", 4, 4, 12, 0.4),
                tied("tied V=12 d=2 patch 2, σ=0.15", 4, 2, 12, 0.15));
    }

    /**
     * An own codebook with extreme states. Narrow components must overlap: between separated components of scale
     * 1e-4 the mixture has no mass in float64, F is flat there and x cannot be recovered from u by any method.
     */
    private static CouplingCase own(String name, int channels, int d, int vocab) {
        CouplingContext context = new CouplingContext(channels, d, FEATURES, vocab, Optional.empty());
        CouplingCase c = CouplingCase.of(name, new RosenblattCouplingProvider(), context)
                .withExtreme("scales 1e-4, means within 1e-4·V", k -> {
                    Parameters.get(k, "codebook.log_scales").fill_(new Scalar(Math.log(1e-4)));
                    Tensor means = Parameters.get(k, "codebook.means");
                    means.copy_(torch.arange(new Scalar(vocab), F64)
                            .mul(new Scalar(1e-4))
                            .add(new Scalar(0.2))
                            .unsqueeze(1)
                            .expand_as(means));
                })
                .withExtreme(
                        "scales e^3",
                        k -> Parameters.get(k, "codebook.log_scales").fill_(new Scalar(3.0)));
        if (vocab == 1) return c;
        return c.withExtreme("one weight near 1", k -> dominate(k, context))
                .withExtreme("spike of scale 1e-4 and weight near 1", k -> {
                    dominate(k, context);
                    Parameters.get(k, "codebook.log_scales").narrow(0, 0, 1).fill_(new Scalar(Math.log(1e-4)));
                });
    }

    /** Token 0 gets logit 30 in every slot of the patch, whatever the features. */
    private static void dominate(Coupling c, CouplingContext context) {
        for (int p = 0; p < context.patch(); p++) {
            long row = (long) p * context.vocabSize();
            Parameters.get(c, "head.weight").narrow(0, row, 1).zero_();
            Parameters.get(c, "head.bias").narrow(0, row, 1).fill_(new Scalar(30.0));
        }
    }

    /**
     * Tied to a codebook that stands in for the encoder's: means from N(0, 1), every scale {@code scale}. Much
     * narrower scales leave gaps between the means where F is flat in float64, and x there cannot be recovered.
     */
    private static CouplingCase tied(String name, int channels, int d, int vocab, double scale) {
        Tensor means = torch.randn(new long[] {vocab, d}, F64).requires_grad_(true);
        Tensor logScales =
                torch.full(new long[] {vocab}, new Scalar(Math.log(scale)), F64).requires_grad_(true);
        Codebook codebook = new Codebook() {
            @Override
            public Tensor means() {
                return means;
            }

            @Override
            public Tensor logScales() {
                return logScales;
            }
        };
        CouplingContext context = new CouplingContext(channels, d, FEATURES, vocab, Optional.of(codebook));
        return CouplingCase.of(name, new RosenblattCouplingProvider(), context)
                .withOptions(Map.of("tie_to_encoder", true))
                .withExtreme("one weight near 1", c -> dominate(c, context));
    }
}
