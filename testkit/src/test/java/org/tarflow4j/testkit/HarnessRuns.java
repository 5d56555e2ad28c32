package org.tarflow4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

/** Runs a harness's dynamic tests by hand, for tests of the harnesses themselves. */
final class HarnessRuns {
    private HarnessRuns() {}

    /** The display names of every dynamic test, in order. */
    static List<String> names(Stream<DynamicContainer> suite) {
        List<String> names = new ArrayList<>();
        suite.forEach(node -> visit(node, names, false));
        return names;
    }

    /** Runs every dynamic test and returns the display names of those that failed. */
    static List<String> failures(Stream<DynamicContainer> suite) {
        List<String> failed = new ArrayList<>();
        suite.forEach(node -> visit(node, failed, true));
        return failed;
    }

    private static void visit(DynamicNode node, List<String> out, boolean run) {
        if (node instanceof DynamicContainer container) {
            container.getChildren().forEach(child -> visit(child, out, run));
        } else if (!run) {
            out.add(node.getDisplayName());
        } else {
            try {
                ((DynamicTest) node).getExecutable().execute();
            } catch (Throwable t) {
                out.add(node.getDisplayName());
            }
        }
    }
}
