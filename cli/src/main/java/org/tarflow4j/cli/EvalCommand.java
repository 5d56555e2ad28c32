package org.tarflow4j.cli;

import org.tarflow4j.trainer.Tarflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = "Evaluate a trained model on a split: ELBO, or the importance-weighted bound with --samples K.")
final class EvalCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointArgs model;

    @Option(names = "--split", defaultValue = "test", description = "train, valid or test (default: test).")
    String split;

    @Option(
            names = "--samples",
            defaultValue = "0",
            paramLabel = "K",
            description = "Latent samples per sequence (default: eval.samples; 1 = ELBO).")
    int samples;

    @Override
    public void run() {
        spec.commandLine()
                .getOut()
                .println(Tarflow.evaluate(
                        model.checkpoint, split, samples, model.overrides, common.registry(), model.device));
    }
}
