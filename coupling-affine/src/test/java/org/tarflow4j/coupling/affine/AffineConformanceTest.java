package org.tarflow4j.coupling.affine;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Scalar;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.testkit.CouplingCase;
import org.tarflow4j.testkit.CouplingHarness;
import org.tarflow4j.testkit.Parameters;

/** The affine coupling through the conformance harness, unbounded and bounded, with scales at 1e-4 and 1e4. */
class AffineConformanceTest extends CouplingHarness {
    @Override
    protected List<CouplingCase> cases() {
        return all(Map.of(), 1e-4);
    }

    /**
     * Every case with {@code more} options (e.g. {@code density_dtype}) and the smallest scale {@code narrow} (1e-4 here,
     * 1e-2 in {@link AffineFloat32ConformanceTest}).
     */
    static List<CouplingCase> all(Map<String, ?> more, double narrow) {
        CouplingContext four = CouplingCase.context(4, 2, 6);
        CouplingContext eight = CouplingCase.context(8, 2, 5);
        AffineCouplingProvider provider = new AffineCouplingProvider();
        return List.of(
                CouplingCase.of("unbounded", provider, four)
                        .withOptions(more)
                        .withExtreme(
                                "scales "
                                        + String.format(Locale.ROOT, "%.0e", narrow)
                                                .replace("e-0", "e-"),
                                logScale(4, Math.log(narrow)))
                        .withExtreme("scales 1e4", logScale(4, Math.log(1e4))),
                CouplingCase.of("bounded at 3, 8 channels", provider, eight)
                        .withOptions(with(more, "scale_bound", 3.0))
                        .withRandomStd(0.5)
                        .withExtreme("saturated bound", logScale(8, -1e3)));
    }

    private static Map<String, Object> with(Map<String, ?> more, String key, Object value) {
        Map<String, Object> all = new HashMap<>(more);
        all.put(key, value);
        return all;
    }

    /** Every raw log-scale set to {@code value}, whatever the features. */
    private static Consumer<Coupling> logScale(int channels, double value) {
        return c -> {
            Parameters.get(c, "head.weight").narrow(0, channels, channels).zero_();
            Parameters.get(c, "head.bias").narrow(0, channels, channels).fill_(new Scalar(value));
        };
    }
}
