package org.tarflow4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tarflow4j.trainer.Tarflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a trained model on a split: ELBO, or the importance-weighted bound with --samples K.")
final class EvalCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR_OR_CHECKPOINT", description = "A run directory (its last.ckpt) or a .ckpt file.")
    Path checkpoint;

    @Option(names = "--split", defaultValue = "test", description = "train, valid or test (default: test).")
    String split;

    @Option(names = "--samples", defaultValue = "0", paramLabel = "K", description = "Latent samples per sequence (default: eval.samples; 1 = ELBO).")
    int samples;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a value, e.g. data.source=DIR for zero-shot evaluation on another corpus.")
    List<String> overrides = new ArrayList<>();

    @Override
    public void run() {
        spec.commandLine().getOut().println(Tarflow.evaluate(checkpoint, split, samples, overrides, common.registry()));
    }
}
