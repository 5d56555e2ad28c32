package org.tarflow4j.cli;

import org.tarflow4j.core.config.SampleConfig;
import org.tarflow4j.trainer.sample.Inversion;
import picocli.CommandLine.Option;

/** How many draws of fresh noise, from which seed, at which scale, inverted how; unset options come from the checkpoint's [sample] table. */
final class NoiseArgs {
    @Option(names = "--num", paramLabel = "N", description = "Samples or edits to make (default: sample.num).")
    Integer num;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (default: sample.seed).")
    Long seed;

    @Option(
            names = "--temperature",
            paramLabel = "T",
            description =
                    "Flow: scale of the noise; ar baseline: softmax temperature, 0 = greedy (default: sample.temperature).")
    Double temperature;

    @Option(
            names = "--jacobi",
            negatable = true,
            description =
                    "Flow: invert each layer by parallel Jacobi iteration, except the sample.jacobi_stepped data-side layers (default 1), which are stepped (default: sample.jacobi; sample.jacobi_block, jacobi_tol, jacobi_iters).")
    Boolean jacobi;

    int num(SampleConfig c) {
        return num != null ? num : c.num();
    }

    long seed(SampleConfig c) {
        return seed != null ? seed : c.seed();
    }

    double temperature(SampleConfig c) {
        return temperature != null ? temperature : c.temperature();
    }

    Inversion inversion(SampleConfig c) {
        return jacobi == null ? Inversion.of(c) : jacobi ? Inversion.jacobi(c) : Inversion.SEQUENTIAL;
    }
}
