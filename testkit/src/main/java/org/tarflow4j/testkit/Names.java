package org.tarflow4j.testkit;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import org.junit.jupiter.api.DynamicTest;
import org.tarflow4j.api.Provider;

/**
 * Display names of the harnesses' dynamic tests. Each test's name is complete on its own
 * ({@code "component / case / state / check"}): surefire reports a dynamic test by its own display name, without the
 * containers around it.
 */
final class Names {
    private Names() {}

    /** The provider's name, or its class if {@code name()} fails (the "describes itself" check then says why). */
    static String component(Provider<?, ?> provider) {
        try {
            String name = provider.name();
            if (name != null && !name.isBlank()) return name;
        } catch (RuntimeException e) {
            // reported by the describes-itself check
        }
        return provider.getClass().getSimpleName();
    }

    /** A dynamic test named {@code "label / check"} whose body runs seeded, a failure naming the test and the seed. */
    static DynamicTest test(String label, String check, Runnable body) {
        String name = label + " / " + check;
        return dynamicTest(name, () -> Seed.run(name, body));
    }
}
