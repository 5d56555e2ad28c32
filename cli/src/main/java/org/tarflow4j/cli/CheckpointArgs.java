package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The trained model a command reads: a run directory or a checkpoint, and overrides of the configuration saved in it. */
final class CheckpointArgs {
    @Parameters(
            index = "0",
            paramLabel = "RUN_DIR_OR_CHECKPOINT",
            description = "A run directory (its last.ckpt) or a .ckpt file.")
    Path checkpoint;

    @Mixin
    ConfigEdits edits;

    @Option(
            names = "--device",
            paramLabel = "cpu|cuda|cuda:N",
            defaultValue = "${env:TARFLOW_DEVICE:-cpu}",
            description =
                    "Where to compute, whatever device the model was trained on (default: $TARFLOW_DEVICE, else cpu).")
    String device;

    /** Loads the model; what the overrides did that the user should hear of goes to {@code err} as notes. */
    LoadedModel load(Common common, PrintWriter err) {
        LoadedModel loaded = Tarflow.load(checkpoint, edits.overrides(), common.registry(), device);
        loaded.config().notes().forEach(note -> err.println("note: " + note));
        return loaded;
    }
}
