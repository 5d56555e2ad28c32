package org.tarflow4j.trainer.distributed;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.core.TarflowException;

/**
 * The c10d backend that carries a data-parallel run's collectives, chosen by {@code train.device} as PyTorch does:
 * Gloo for {@code "cpu"}, NCCL for {@code "cuda"} (one GPU per local rank; Gloo still carries the CPU-side sums).
 */
public enum DistributedBackend {
    GLOO,
    NCCL;

    public static DistributedBackend forDevice(String device) {
        return device.startsWith("cuda") ? NCCL : GLOO;
    }

    /** Why this backend cannot run in this process, or null when it can. */
    public String unavailableReason() {
        if (this == GLOO) return null;
        if (!torch.cuda_is_available())
            return "CUDA is not available (no GPU is visible, or the CPU build of libtorch is on the module path)";
        try {
            Loader.load(org.bytedeco.pytorch.global.torch_nccl.class);
            return null;
        } catch (
                Throwable e) { // LinkageError, TypeNotPresentException: the NCCL natives or the cuda presets are absent
            return "NCCL is not available (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
    }

    /** Throws the one-line error a user sees when this backend cannot run here. */
    public void requireAvailable(String device) {
        String reason = unavailableReason();
        if (reason != null)
            throw new TarflowException("train.device = \"" + device + "\" trains data-parallel over NCCL, but " + reason
                    + "; run on a host with CUDA GPUs and the GPU build ('mvn -Pgpu package'), or set train.device = \"cpu\""
                    + " to train over Gloo");
    }
}
