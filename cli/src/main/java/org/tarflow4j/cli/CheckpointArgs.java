package org.tarflow4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The trained model a command reads: a run directory or a checkpoint, and overrides of the configuration saved in it. */
final class CheckpointArgs {
    @Parameters(
            index = "0",
            paramLabel = "RUN_DIR_OR_CHECKPOINT",
            description = "A run directory (its last.ckpt) or a .ckpt file.")
    Path checkpoint;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description =
                    "Override a value of the checkpoint's configuration, e.g. sample.jacobi_block=16, or data.source=DIR to evaluate on another corpus.")
    List<String> overrides = new ArrayList<>();

    @Option(
            names = "--device",
            paramLabel = "cpu|cuda|cuda:N",
            defaultValue = "${env:TARFLOW_DEVICE:-cpu}",
            description =
                    "Where to compute, whatever device the model was trained on (default: $TARFLOW_DEVICE, else cpu).")
    String device;

    LoadedModel load(Common common) {
        return Tarflow.load(checkpoint, overrides, common.registry(), device);
    }
}
