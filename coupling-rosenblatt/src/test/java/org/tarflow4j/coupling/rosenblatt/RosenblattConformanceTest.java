package org.tarflow4j.coupling.rosenblatt;

import java.util.ArrayList;
import java.util.HashMap;
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

/**
 * Mix-d through the conformance harness: V = 1 and 16, own and tied codebooks, patch 1, 2 and 3 (the tokens of a patch
 * independent given the features, or each also seeing the ones before it: {@code patch_autoregressive}), with the default options
 * (these small cases fit one chunk, so the transform runs with its whole graph), and three cases on the lean path in
 * chunks of a few positions (recomputed in the backward pass).
 */
class RosenblattConformanceTest extends CouplingHarness {
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);
    private static final int FEATURES = 6;

    @Override
    protected List<CouplingCase> cases() {
        List<CouplingCase> cases = new ArrayList<>(all(1e-4));
        cases.add(chunked(own("lean V=16 d=4, chunks of 4 positions", 4, 4, 16, 1e-4), 4));
        cases.add(chunked(own("lean V=16 d=3 patch 2, chunks of 5 positions", 6, 3, 16, 1e-4), 5));
        return cases;
    }

    /**
     * The cases both dtypes run, with the narrowest components of the extreme states of scale {@code narrow}: 1e-4
     * here, 1e-2 in {@link RosenblattFloat32ConformanceTest}. The harness has 6 positions (and 402 for the wide
     * inputs), so the lean cases split them into several chunks, the last one shorter.
     */
    static List<CouplingCase> all(double narrow) {
        return List.of(
                own("V=1 d=4", 4, 4, 1, narrow),
                own("V=16 d=4", 4, 4, 16, narrow),
                own("V=16 d=2 patch 2", 4, 2, 16, narrow),
                own("V=16 d=3 patch 2", 6, 3, 16, narrow),
                tied("tied V=12 d=4, σ=0.4", 4, 4, 12, 0.4),
                tied("tied V=12 d=2 patch 2, σ=0.15", 4, 2, 12, 0.15),
                chunked(tied("lean tied V=12 d=2 patch 2, σ=0.15, chunks of 4 positions", 4, 2, 12, 0.15), 4),
                patchAutoregressive(own("patch-autoregressive V=16 d=2 patch 3", 6, 2, 16, narrow)),
                patchAutoregressive(tied("patch-autoregressive tied V=12 d=2 patch 2, σ=0.15", 4, 2, 12, 0.15)),
                chunked(
                        patchAutoregressive(tied(
                                "lean patch-autoregressive tied V=12 d=2 patch 2, σ=0.15, chunks of 4 positions",
                                4,
                                2,
                                12,
                                0.15)),
                        4));
    }

    /** The case with {@code patch_autoregressive = true}: each token's weights also see the earlier tokens of its patch. */
    static CouplingCase patchAutoregressive(CouplingCase c) {
        return with(c, Map.of("patch_autoregressive", true));
    }

    /** The case on the lean path with {@code positions} positions a chunk. */
    static CouplingCase chunked(CouplingCase c, long positions) {
        CouplingContext k = c.context();
        return with(
                c,
                Map.of(
                        "lean",
                        true,
                        "chunk_megabytes",
                        LeanPathTest.megabytesFor(positions, k.patch(), k.tokenChannels(), k.vocabSize(), 8)));
    }

    /** The case with {@code more} options added to its own. */
    static CouplingCase with(CouplingCase c, Map<String, ?> more) {
        Map<String, Object> options = new HashMap<>(c.options());
        options.putAll(more);
        return c.withOptions(options);
    }

    /**
     * An own codebook with extreme states. Narrow components must overlap: between separated components of scale
     * 1e-4 the mixture has no mass in float64, F is flat there and x cannot be recovered from u by any method.
     */
    private static CouplingCase own(String name, int channels, int d, int vocab, double narrow) {
        CouplingContext context = new CouplingContext(channels, d, FEATURES, vocab, Optional.empty());
        CouplingCase c = CouplingCase.of(name, new RosenblattCouplingProvider(), context)
                .withExtreme("scales " + label(narrow) + ", means within " + label(narrow) + "·V", k -> {
                    Parameters.get(k, "codebook.log_scales").fill_(new Scalar(Math.log(narrow)));
                    Tensor means = Parameters.get(k, "codebook.means");
                    means.copy_(torch.arange(new Scalar(vocab), F64)
                            .mul(new Scalar(narrow))
                            .add(new Scalar(0.2))
                            .unsqueeze(1)
                            .expand_as(means));
                })
                .withExtreme(
                        "scales e^3",
                        k -> Parameters.get(k, "codebook.log_scales").fill_(new Scalar(3.0)));
        if (vocab == 1) return c;
        return c.withExtreme("one weight near 1", k -> dominate(k, context))
                .withExtreme("spike of scale " + label(narrow) + " and weight near 1", k -> {
                    dominate(k, context);
                    Parameters.get(k, "codebook.log_scales").narrow(0, 0, 1).fill_(new Scalar(Math.log(narrow)));
                });
    }

    /** {@code 1e-4} for 0.0001. */
    private static String label(double scale) {
        return String.format(java.util.Locale.ROOT, "%.0e", scale).replace("e-0", "e-");
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
        Codebook codebook = Codebooks.random(vocab, d, scale);
        CouplingContext context = new CouplingContext(channels, d, FEATURES, vocab, Optional.of(codebook));
        return CouplingCase.of(name, new RosenblattCouplingProvider(), context)
                .withOptions(Map.of("tie_to_encoder", true))
                .withExtreme("one weight near 1", c -> dominate(c, context));
    }
}
