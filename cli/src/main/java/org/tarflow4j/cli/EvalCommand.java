package org.tarflow4j.cli;

import java.io.PrintWriter;
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
        description = {
            "Evaluate a trained model on a split: ELBO, or the importance-weighted bound with --samples K. Prints one"
                    + " line (split, bound in BPC or PPL, estimator, tokens) and writes the JSON report next to the"
                    + " checkpoint.",
            "To evaluate on another prepared corpus of the same tokenizer, set [data] source to its directory."
        })
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

    @Option(names = "--json", description = "Print the JSON report (it is written next to the checkpoint either way).")
    boolean json;

    @Override
    public void run() {
        if (samples != null && samples < 1)
            throw new TarflowException("--samples " + samples + ": give the number of latent samples per sequence, at"
                    + " least 1 (1 is the ELBO), or leave it out for eval.samples");
        Tarflow.Evaluated e;
        try {
            e = Tarflow.evaluate(
                    model.checkpoint,
                    split,
                    samples == null ? 0 : samples,
                    model.edits.overrides(),
                    common.registry(),
                    model.device);
        } catch (ResultNotSaved failure) {
            spec.commandLine().getOut().println(failure.result());
            spec.commandLine().getOut().flush();
            throw failure;
        }
        e.notes().forEach(note -> spec.commandLine().getErr().println("note: " + note));
        PrintWriter out = spec.commandLine().getOut();
        if (json) out.println(e.report());
        else
            out.println(TrainCommand.describe(e.evaluation(), e.metric()) + " at step " + e.step() + "; JSON in "
                    + e.json());
    }
}
