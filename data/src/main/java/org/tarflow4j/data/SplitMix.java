package org.tarflow4j.data;

/**
 * SplitMix64 (Steele, Lea and Flood 2014), written out so that batches depend on nothing but (seed, step), whatever
 * the Java version.
 */
final class SplitMix {
    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    private long state;

    /** The generator for one step of a run. */
    SplitMix(long seed, long step) {
        state = mix(seed ^ mix(step + GAMMA));
    }

    long next() {
        state += GAMMA;
        return mix(state);
    }

    /** Uniform in [0, bound), without modulo bias. */
    long below(long bound) {
        long limit = Long.MAX_VALUE - (Long.MAX_VALUE % bound + 1) % bound;
        long r = next() >>> 1;
        while (r > limit) r = next() >>> 1;
        return r % bound;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
