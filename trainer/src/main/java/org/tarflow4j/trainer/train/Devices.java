package org.tarflow4j.trainer.train;

import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.TrainConfig;

/** The device and thread settings of {@code [train]}: CPU threads for libtorch, and CUDA only where it really is. */
public final class Devices {
    private Devices() {}

    public static void configure(TrainConfig t) {
        torch.set_num_threads(
                t.runtime().threads() > 0
                        ? t.runtime().threads()
                        : Runtime.getRuntime().availableProcessors());
        if (t.runtime().device().equals("cpu")) return;
        boolean gpuBuild = ModuleLayer.boot()
                .findModule("org.bytedeco.pytorch.linux.x86_64.gpu")
                .isPresent();
        if (!gpuBuild)
            throw new TarflowException(
                    "train.device = \"" + t.runtime().device() + "\", but this build has the CPU natives of libtorch;"
                            + " build with 'mvn -Pgpu package' on a host with CUDA 13.1 and cuDNN 9.19, or set train.device = \"cpu\"");
        if (!torch.cuda_is_available())
            throw new TarflowException(
                    "train.device = \"" + t.runtime().device() + "\", but libtorch sees no CUDA device on this machine"
                            + " (check the driver and CUDA_VISIBLE_DEVICES), or set train.device = \"cpu\"");
        throw new TarflowException("train.device = \"" + t.runtime().device()
                + "\": a CUDA device is visible, but this release of tarflow4j"
                + " trains on the CPU only; set train.device = \"cpu\"");
    }
}
