package org.tarflow4j.cli;

import java.io.PrintWriter;
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
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Write a trained model's weights for other frameworks.",
            "Every parameter and buffer under its libtorch name, with its dtype and shape, in a safetensors file whose"
                    + " __metadata__ holds the configuration, the component versions and the tokenizer; the same metadata goes"
                    + " to NAME.json beside it. PyTorch reads it with safetensors.torch.load_file; 'tarflow import' reads it back."
        })
final class ExportCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "RUN_DIR_OR_CHECKPOINT",
            description = "A run directory (its last.ckpt) or a .ckpt file.")
    Path checkpoint;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            defaultValue = "safetensors",
            description = "The file format: safetensors (the default and only one).")
    String format;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "The file to write (default: NAME.safetensors next to the checkpoint NAME.ckpt).")
    Path out;

    @Override
    public void run() {
        Weights.Exported e = Tarflow.export(checkpoint, format, out, common.registry());
        PrintWriter printer = spec.commandLine().getOut();
        printer.printf("%d tensors (%,d parameters) written to %s%n", e.tensors(), e.parameters(), e.file());
        printer.println("metadata: " + e.json());
    }
}
