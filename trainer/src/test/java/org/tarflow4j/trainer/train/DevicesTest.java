package org.tarflow4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TrainConfig;

/** What a CPU can check of the device choice: the refusals, the TF32 switch, and the readings of libtorch's errors. */
class DevicesTest {
    private static TrainConfig train(String... overrides) {
        return ConfigLoader.load(null, List.of(overrides)).train();
    }

    @Test
    void theCpuIsAlwaysThere() {
        assertEquals(Placement.CPU, Devices.configure(train()));
        assertEquals(Placement.CPU, Devices.configure(train("train.device=cuda"), "cpu", "--device cpu"));
        assertEquals(0, Devices.cudaDevices(), "this build and host have no CUDA");
        assertFalse(Devices.gpuBuild());
        assertEquals(null, Devices.memory(Placement.CPU), "no device memory to report on the CPU");
        Devices.synchronize(Placement.CPU);
    }

    /**
     * {@code train.threads} reaches both CPU pools: libtorch's and OpenBLAS's, which runs libtorch's matrix products and
     * which {@code torch.set_num_threads} alone leaves at every core.
     */
    @Test
    void threadsReachLibtorchAndOpenBlas() {
        int before = torch.get_num_threads();
        try {
            Devices.configure(train("train.threads=1"));
            assertEquals(1, torch.get_num_threads());
            assertEquals(1, openblas_full.openblas_get_num_threads());
            Devices.configure(train("train.threads=2"));
            assertEquals(2, torch.get_num_threads());
            assertEquals(2, openblas_full.openblas_get_num_threads());
        } finally {
            Devices.threads(before);
        }
    }

    /** Every device but the CPU is refused here with one line that says what to do, never a fall-back. */
    @Test
    void cudaOnTheCpuBuildIsOneClearLine() {
        for (String device : List.of("cuda", "cuda:0", "cuda:1")) {
            String m = assertThrows(TarflowException.class, () -> Devices.configure(train("train.device=" + device)))
                    .getMessage();
            assertEquals(
                    "train.device = \"" + device + "\", but this build of tarflow4j has the CPU natives of libtorch;"
                            + " run the GPU build (TARFLOW_GPU=1 ./tarflow ..., or mvn -Pgpu package) on a host with"
                            + " CUDA 13.1 (README, section GPU), or compute on the CPU (train.device = \"cpu\")",
                    m);
            assertEquals(1, m.lines().count());
        }
        String m = assertThrows(TarflowException.class, () -> Devices.configure(train(), "cuda:2", "--device cuda:2"))
                .getMessage();
        assertTrue(m.startsWith("--device cuda:2, but this build of tarflow4j has the CPU natives"), m);
        assertTrue(m.endsWith("or compute on the CPU (--device cpu)"), m);
        assertEquals(
                "--device tpu is not a device: give cpu, cuda or cuda:N",
                assertThrows(TarflowException.class, () -> Devices.configure(train(), "tpu", "--device tpu"))
                        .getMessage());
        assertTrue(assertThrows(TarflowException.class, () -> Devices.configure(train(), "meta", "--device meta"))
                .getMessage()
                .contains("holds no data"));
    }

    @Test
    void tf32IsAProcessWideSwitchThatStartsOff() {
        assertFalse(Devices.tf32(), "libtorch's default: full float32");
        try {
            Devices.tf32(true);
            assertTrue(Devices.tf32());
        } finally {
            Devices.tf32(false);
        }
        assertFalse(Devices.tf32());
    }

    /** The library a GPU build could not load, as the dynamic linker names it in libtorch's loader error. */
    @Test
    void aMissingCudaLibraryIsNamed() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("no jnitorch_cuda in java.library.path");
        e.initCause(new UnsatisfiedLinkError("/root/.javacpp/cache/pytorch-2.10.0-1.5.13-linux-x86_64-gpu.jar/org/"
                + "bytedeco/pytorch/linux-x86_64-gpu/libtorch_cuda.so: libcusparse.so.12: cannot open shared object"
                + " file: No such file or directory"));
        assertEquals("libcusparse.so.12", Devices.missingLibrary(e));
        assertTrue(Devices.libraryAdvice("libcusparse.so.12").contains("install CUDA 13.1, cuDNN 9.19"));
        assertTrue(Devices.libraryAdvice("libcuda.so.1").contains("NVIDIA driver installs (R580 or newer"));
    }

    @Test
    void cudaErrorsSayWhatToDo() {
        assertTrue(Devices.cudaFailure("CUDA error: no kernel image is available for execution on the device\nmore")
                .endsWith("(this libtorch has kernels for GPUs of compute capability 7.5, Turing, and newer)"));
        assertTrue(Devices.cudaFailure("CUDA driver version is insufficient for CUDA runtime version")
                .contains("R580"));
        assertEquals("something else", Devices.cudaFailure("something else\nstack"));
    }
}
