package ${package};

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
 * The coupling through tarflow4j's conformance harness, the checks every built-in coupling passes: round trips both
 * ways to 1e-6 with tails and extreme parameters, the log-det against the autograd Jacobian in float64, the Jacobian
 * structure, finite values for x in [−50, 50], a gradient for every parameter, save and load, and the provider's
 * description and service declarations. A failure prints its seed; {@code -Dtarflow.seed=N} replays it.
 *
 * <p>The head's output rows are {@code [μ | r]}, C each; the extreme states pin the raw log-scales r, whatever the
 * features. Write the extremes of your own parameterisation the same way.
 */
class BoundedAffineConformanceTest extends CouplingHarness {
    @Override
    protected List<CouplingCase> cases() {
        CouplingContext four = CouplingCase.context(4, 2, 6); // C = 4 channels, 2 per token, features of width 6
        CouplingContext six = CouplingCase.context(6, 3, 5);
        BoundedAffineCouplingProvider provider = new BoundedAffineCouplingProvider();
        return List.of(
                CouplingCase.of("scale bound 3", provider, four)
                        .withRandomStd(0.5)
                        .withExtreme("saturated at e^−3", rawLogScale(4, -1e3))
                        .withExtreme("saturated at e^3", rawLogScale(4, 1e3)),
                CouplingCase.of("unbounded, 6 channels", provider, six)
                        .withOptions(Map.of("scale_bound", 0.0))
                        .withExtreme("scales 1e-4", rawLogScale(6, Math.log(1e-4)))
                        .withExtreme("scales 1e4", rawLogScale(6, Math.log(1e4))));
    }

    /** Every raw log-scale set to {@code value}, whatever the features. */
    private static Consumer<Coupling> rawLogScale(int channels, double value) {
        return c -> {
            Parameters.get(c, "head.weight").narrow(0, channels, channels).zero_();
            Parameters.get(c, "head.bias").narrow(0, channels, channels).fill_(new Scalar(value));
        };
    }
}
