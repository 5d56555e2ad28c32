package org.tarflow4j.cli;

import org.tarflow4j.core.TarflowException;
import org.tarflow4j.trainer.ResultNotSaved;
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
            paramLabel = "K",
            description = "Latent samples per sequence (default: eval.samples; 1 = ELBO).")
    Integer samples;

    @Override
    public void run() {
        if (samples != null && samples < 1)
            throw new TarflowException("--samples " + samples + ": give the number of latent samples per sequence, at"
                    + " least 1 (1 is the ELBO), or leave it out for eval.samples");
        String json;
        try {
            json = Tarflow.evaluate(
                    model.checkpoint, split, samples == null ? 0 : samples, model.overrides, common.registry());
        } catch (ResultNotSaved e) {
            spec.commandLine().getOut().println(e.result());
            spec.commandLine().getOut().flush();
            throw e;
        }
        spec.commandLine().getOut().println(json);
    }
}
