package org.example.tarflow.sinharcsinh;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Scalar;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.testkit.CouplingCase;
import org.tarflow4j.testkit.CouplingHarness;
import org.tarflow4j.testkit.Parameters;

/**
 * The plugin through tarflow4j's conformance harness. The head's rows are {@code [μ | s | ε | log δ]}, {@code C}
 * each; extreme states pin some of them, whatever the features.
 */
class SinhArcsinhConformanceTest extends CouplingHarness {
    @Override
    protected List<CouplingCase> cases() {
        CouplingContext four = CouplingCase.context(4, 2, 6);
        CouplingContext six = CouplingCase.context(6, 3, 4);
        SinhArcsinhCouplingProvider provider = new SinhArcsinhCouplingProvider();
        return List.of(
                CouplingCase.of("tail bound 2", provider, four)
                        .withExtreme("scales 1e-4", pin(4, 1, Math.log(1e-4)))
                        .withExtreme("light tails, skewed right", pin(4, 3, 1e3).andThen(pin(4, 2, 3.0)))
                        .withExtreme("heavy tails, skewed left", pin(4, 3, -1e3).andThen(pin(4, 2, -3.0))),
                CouplingCase.of("unbounded tails, 6 channels", provider, six)
                        .withOptions(Map.of("tail_bound", 0.0))
                        .withExtreme("δ = e³ and scales 1e-4", pin(6, 3, 3.0).andThen(pin(6, 1, Math.log(1e-4)))));
    }

    /** Sets the raw head output of parameter block {@code block} (0 μ, 1 s, 2 ε, 3 log δ) to {@code value}. */
    private static Consumer<Coupling> pin(int channels, int block, double value) {
        return c -> {
            Parameters.get(c, "head.weight")
                    .narrow(0, (long) block * channels, channels)
                    .zero_();
            Parameters.get(c, "head.bias")
                    .narrow(0, (long) block * channels, channels)
                    .fill_(new Scalar(value));
        };
    }
}
