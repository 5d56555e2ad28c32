package org.tarflow4j.trainer.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tarflow4j.core.TarflowException;

/**
 * Gloo for the CPU, NCCL for CUDA; on this CPU-only build NCCL is selected but refuses with one line (the 2-process
 * launch test checks the same from the command line).
 */
class DistributedBackendTest {
    @Test
    void theDeviceChoosesTheBackend() {
        assertEquals(DistributedBackend.GLOO, DistributedBackend.forDevice("cpu"));
        assertEquals(DistributedBackend.NCCL, DistributedBackend.forDevice("cuda"));
        assertEquals(DistributedBackend.NCCL, DistributedBackend.forDevice("cuda:1"));
        assertNull(DistributedBackend.GLOO.unavailableReason());
    }

    @Test
    void ncclWithoutCudaIsAOneLineError() {
        String message = assertThrows(TarflowException.class, () -> DistributedBackend.NCCL.requireAvailable("cuda"))
                .getMessage();
        assertTrue(
                message.startsWith("train.device = \"cuda\" trains data-parallel over NCCL, but CUDA is not available"),
                message);
        assertTrue(message.endsWith("or set train.device = \"cpu\" to train over Gloo"), message);
        assertEquals(1, message.lines().count());
    }
}
