package org.tarflow4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Scalar;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;

/** The harness builds every check for every state and runs them on the coupling it was given. */
class CouplingHarnessTest {
    private static final int CHANNELS = 3;

    @Test
    void aCorrectCouplingPassesEverythingButTheServiceDeclaration() {
        List<String> failed = failures(harness("diagonal"));
        assertEquals(List.of("diagonal/declared as a service"), failed);
    }

    @Test
    void aWrongLogDetFailsInEveryState() {
        List<String> failed = failures(harness("wrong-log-det"));
        assertEquals(
                List.of(
                        "wrong-log-det/declared as a service",
                        "wrong-log-det/initial/log-det and Jacobian structure",
                        "wrong-log-det/random N(0, 0.2²)/log-det and Jacobian structure",
                        "wrong-log-det/scales 1e-4/log-det and Jacobian structure"),
                failed);
    }

    private static CouplingHarness harness(String variant) {
        return new CouplingHarness() {
            @Override
            protected List<CouplingCase> cases() {
                return List.of(CouplingCase.of(variant, new FixtureProvider(), CouplingCase.context(CHANNELS, 1, 4))
                        .withOptions(Map.of("variant", variant))
                        .withExtreme("scales 1e-4", c -> {
                            Parameters.get(c, "head.weight")
                                    .narrow(0, CHANNELS, CHANNELS)
                                    .zero_();
                            Parameters.get(c, "head.bias")
                                    .narrow(0, CHANNELS, CHANNELS)
                                    .fill_(new Scalar(Math.log(1e-4)));
                        }));
            }
        };
    }

    /** Runs every dynamic test and returns the paths of those that failed. */
    private static List<String> failures(CouplingHarness harness) {
        List<String> failed = new ArrayList<>();
        harness.conformance().forEach(node -> collect(node, "", failed));
        return failed;
    }

    private static void collect(DynamicNode node, String prefix, List<String> failed) {
        String path = prefix + node.getDisplayName();
        if (node instanceof DynamicContainer container) {
            Stream<? extends DynamicNode> children = container.getChildren();
            children.forEach(child -> collect(child, path + "/", failed));
        } else {
            try {
                ((DynamicTest) node).getExecutable().execute();
            } catch (Throwable t) {
                failed.add(path);
            }
        }
    }
}
