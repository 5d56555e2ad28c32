package org.tarflow4j.testkit;

import org.bytedeco.pytorch.global.torch;
import org.opentest4j.TestAbortedException;

/**
 * The seed of this test run: {@code -Dtarflow.seed=N} if set, else drawn from the clock, so every run draws fresh
 * parameters and inputs. {@link #run} seeds libtorch before the body and names the seed in any failure, so a failure
 * can be replayed exactly.
 */
public final class Seed {
    /** The system property that fixes the seed. */
    public static final String PROPERTY = "tarflow.seed";

    private static final long VALUE = Long.getLong(PROPERTY, System.nanoTime());

    private Seed() {}

    public static long value() {
        return VALUE;
    }

    /** Seeds libtorch's default generator with {@link #value()}, runs {@code body}, and adds the seed to a failure. */
    public static void run(Runnable body) {
        run("", body);
    }

    /** As {@link #run(Runnable)}, and a failure's message starts with {@code label}, e.g. the test's path. */
    public static void run(String label, Runnable body) {
        torch.manual_seed(VALUE);
        try {
            body.run();
        } catch (TestAbortedException e) {
            throw e;
        } catch (AssertionError | RuntimeException e) {
            String prefix = label.isEmpty() ? "" : label + ": ";
            throw new AssertionError(
                    prefix + e.getMessage() + " [seed " + VALUE + "; replay with -D" + PROPERTY + "=" + VALUE + "]", e);
        }
    }
}
