package org.tarflow4j.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.api.Modules;
import org.tarflow4j.api.Placement;

/**
 * Checkpoints are read onto the device the caller names, not the one they were saved from: libtorch's
 * {@code Module::load} re-binds a parameter to the device of the tensor it reads, so reading a GPU checkpoint without a
 * device would move a CPU model's parameters to the GPU (or fail on a host without one). On a CPU the other device is
 * {@code meta}: a checkpoint written on the CPU loads into a model whose parameters are on meta (restore then stops
 * at its integrity check, which reads values and finds meta's missing data, not at the load), while the same archive
 * read without a device cannot be loaded into it.
 */
class CheckpointDeviceTest {
    private static final double[] WEIGHT = {0.5, -1.25, 3.0, 4.5, -0.125, 2.0};

    /** A module with one parameter {@code w} [2, 3] and one buffer {@code b} [3], made on {@code placement}. */
    private static Module module(Placement placement, double[] weight) {
        Module m = new Module("probe");
        Modules.parameter(m, "w", placement.put(Placement.CPU.doubles(weight, 2, 3)));
        m.register_buffer("b", torch.ones(new long[] {3}, placement.options(torch.ScalarType.Double)));
        return m;
    }

    private static Checkpoint.Meta meta() {
        return new Checkpoint.Meta(
                new Checkpoint.Progress(3, 0, 0, Double.NaN, 0, 1.5),
                new Checkpoint.Provenance("", List.of(), "bytes", 256, 7, "2026-01-01T00:00:00Z", null));
    }

    @Test
    void aCheckpointIsRestoredOntoThePlacementItIsGiven(@TempDir Path dir) {
        try (PointerScope s = new PointerScope()) {
            Path file = dir.resolve("cpu.ckpt");
            Checkpoint.save(file, module(Placement.CPU, WEIGHT), null, meta());

            // After loading, restore verifies each tensor's hash and finiteness, which reads values; meta tensors have
            // none, so that step, and only that step, fails on meta: the load before it has placed the tensors there.
            Module onMeta = module(Placement.META, new double[6]);
            RuntimeException verifying =
                    assertThrows(RuntimeException.class, () -> Checkpoint.restore(file, onMeta, null, Placement.META));
            assertTrue(verifying.getMessage().startsWith("Cannot copy out of meta tensor"), verifying.getMessage());
            for (Tensor t : List.of(
                    onMeta.named_parameters().get("w"), onMeta.named_buffers().get("b")))
                assertTrue(
                        t.is_meta(),
                        "restored onto meta, found on " + t.device().str().getString());

            Module onCpu = module(Placement.CPU, new double[6]);
            Checkpoint.restore(file, onCpu, null, Placement.CPU);
            assertArrayEquals(
                    WEIGHT, Placement.hostDoubles(onCpu.named_parameters().get("w")), 0.0);

            // Without a device the archive's tensors keep the device they were saved from, and loading re-binds each
            // parameter to it (set_data): from CUDA to the CPU it moves the parameter; from meta to the CPU libtorch
            // refuses. Either way the model does not stay where it is.
            Module unplaced = module(Placement.META, new double[6]);
            InputArchive root = new InputArchive();
            root.load_from(file.toString(), new DeviceOptional());
            InputArchive m = new InputArchive();
            root.read("model", m);
            RuntimeException e = assertThrows(RuntimeException.class, () -> unplaced.load(m));
            assertTrue(e.getMessage().contains("set_data"), e.getMessage());
        }
    }

    /**
     * The description reads back as written; {@link Checkpoint#meta} opens the archive onto meta (the placement the test
     * above shows is honoured), so it keeps no tensor and opens a GPU checkpoint on a host without a GPU.
     */
    @Test
    void theDescriptionReadsWithoutTheTensors(@TempDir Path dir) {
        try (PointerScope s = new PointerScope()) {
            Path file = dir.resolve("cpu.ckpt");
            Checkpoint.save(file, module(Placement.CPU, WEIGHT), null, meta());
            Checkpoint.Meta read = Checkpoint.meta(file);
            assertEquals(meta().progress(), read.progress());
            assertEquals(meta().provenance(), read.provenance());
        }
    }
}
