package org.tarflow4j.cli;

import java.nio.file.Path;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.export.Weights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = {
            "Read weights written by 'tarflow export' into a checkpoint.",
            "Rebuilds the model from the file's __metadata__ (its components must be installed in compatible versions),"
                    + " reads every tensor (names, dtypes and shapes must match), and writes RUN_DIR/last.ckpt and"
                    + " config.toml: evaluate, sample, trace and edit it like a trained run (it holds no optimizer state)."
        })
final class ImportCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "A .safetensors file written by 'tarflow export'.")
    Path file;

    @Option(names = "--out", required = true, paramLabel = "RUN_DIR", description = "The new run directory.")
    Path out;

    @Override
    public void run() {
        Weights.Imported i = Tarflow.importWeights(file, out, common.registry());
        spec.commandLine()
                .getOut()
                .printf(
                        "%d tensors (%,d parameters) read into %s%n",
                        i.tensors(), i.parameters(), i.run().last());
    }
}
