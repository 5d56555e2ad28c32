package org.tarflow4j.coupling.mog;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.testkit.CouplingCase;
import org.tarflow4j.testkit.CouplingHarness;
import org.tarflow4j.testkit.Parameters;

/**
 * Mix-1 through the conformance harness: K = 1, 8 and the default 27; channel-autoregressive (the default) and with
 * independent channels.
 */
class MixtureCdfConformanceTest extends CouplingHarness {
    private static final CouplingContext CONTEXT = CouplingCase.context(4, 2, 6);

    @Override
    protected List<CouplingCase> cases() {
        return all(Map.of(), 1e-4);
    }

    /**
     * Every case with {@code more} options, the narrowest components of the extreme states of scale {@code narrow}
     * (1e-4 here, 1e-2 in {@link MixtureCdfFloat32ConformanceTest}).
     */
    static List<CouplingCase> all(Map<String, ?> more, double narrow) {
        return List.of(
                mog(
                        "K=1 independent channels",
                        options(more, Map.of("mixtures", 1L, "channel_autoregressive", false)),
                        1,
                        narrow),
                mog(
                        "K=8 independent channels",
                        options(more, Map.of("mixtures", 8L, "channel_autoregressive", false)),
                        8,
                        narrow),
                mog("K=27 default", options(more, Map.of()), 27, narrow),
                mog(
                        "K=8 channel-autoregressive",
                        options(more, Map.of("mixtures", 8L, "channel_autoregressive", true, "hidden_width", 16L)),
                        8,
                        narrow),
                mog(
                        "K=1 channel-autoregressive",
                        options(more, Map.of("mixtures", 1L, "channel_autoregressive", true, "hidden_width", 8L)),
                        1,
                        narrow));
    }

    private static Map<String, Object> options(Map<String, ?> more, Map<String, ?> own) {
        Map<String, Object> all = new HashMap<>(own);
        all.putAll(more);
        return all;
    }

    /**
     * Extreme states. Narrow components must overlap: between separated components of scale 1e-4 the mixture has
     * no mass at all in float64, F is constant there and x cannot be recovered from u by any method.
     */
    private static CouplingCase mog(String name, Map<String, ?> options, int k, double narrow) {
        String label = String.format(Locale.ROOT, "%.0e", narrow).replace("e-0", "e-");
        return CouplingCase.of(name, new MixtureCdfCouplingProvider(), CONTEXT)
                .withOptions(options)
                .withExtreme("scales " + label + ", means within " + label + "·K", c -> {
                    for (int j = 0; j < k; j++) {
                        fix(c, k, LOG_SCALES, j, BOUNDS.raw(Math.log(narrow)));
                        fix(c, k, MEANS, j, 0.2 + narrow * j);
                    }
                })
                .withExtreme("one weight near 1", c -> fix(c, k, LOGITS, 0, 30.0))
                .withExtreme("spike of scale " + label + " and weight near 1", c -> {
                    fix(c, k, LOGITS, 0, 30.0);
                    fix(c, k, LOG_SCALES, 0, BOUNDS.raw(Math.log(narrow)));
                })
                .withExtreme("scales e^4", c -> {
                    for (int j = 0; j < k; j++) fix(c, k, LOG_SCALES, j, BOUNDS.raw(4.0));
                });
    }

    private static final int LOGITS = 0;
    private static final int MEANS = 1;
    private static final int LOG_SCALES = 2;
    private static final ScaleBounds BOUNDS = new ScaleBounds(-10, 5);

    /** Makes raw parameter {@code group} of component {@code j} equal {@code raw} in every channel, whatever the input. */
    private static void fix(Coupling c, int k, int group, int j, double raw) {
        Map<String, Tensor> params = Parameters.named(c);
        for (int channel = 0; channel < CONTEXT.channels(); channel++) {
            long row = (long) channel * 3 * k + (long) group * k + j;
            params.get("head.weight").narrow(0, row, 1).zero_();
            params.get("head.bias").narrow(0, row, 1).fill_(new Scalar(raw));
            if (params.containsKey("made.output_weight"))
                params.get("made.output_weight").narrow(0, row, 1).zero_();
        }
    }
}
