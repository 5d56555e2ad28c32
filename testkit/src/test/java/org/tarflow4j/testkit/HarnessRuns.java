package org.tarflow4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/** Runs a harness's dynamic tests by hand, for tests of the harnesses themselves. */
final class HarnessRuns {
    private HarnessRuns() {}

    /** The display names of every dynamic test, in order. */
    static List<String> names(Stream<DynamicTest> suite) {
        return suite.map(DynamicTest::getDisplayName).toList();
    }

    /** Runs every dynamic test and returns the display names of those that failed. */
    static List<String> failures(Stream<DynamicTest> suite) {
        List<String> failed = new ArrayList<>();
        suite.forEach(test -> {
            try {
                test.getExecutable().execute();
            } catch (Throwable t) {
                failed.add(test.getDisplayName());
            }
        });
        return failed;
    }
}
