package org.tarflow4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/**
 * TarFlowLM's encoder noise seeded per sequence: a sequence's bound does not depend on the other rows of its batch,
 * which is what lets data-parallel ranks and micro-batches split a global batch without changing it.
 */
class RowNoiseTest {
    @Test
    void aRowsBoundIsItsOwnWhateverTheBatch() {
        TarFlowLM model = (TarFlowLM) TinyModels.build(TinyModels.STACK, 27).model();
        try (PointerScope scope = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            Tensor a = Tensor.create(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 16);
            Tensor b = Tensor.create(new long[] {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3}, 1, 16);
            double alone =
                    model.objective(a, Noise.perRow(new long[] {42})).nll().item_double();
            double again =
                    model.objective(a, Noise.perRow(new long[] {42})).nll().item_double();
            assertEquals(alone, again, 0.0, "the same row and seed, the same bound");
            double[] pair = values(model.objective(
                            org.bytedeco.pytorch.global.torch.cat(new org.bytedeco.pytorch.TensorVector(b, a), 0),
                            Noise.perRow(new long[] {7, 42}))
                    .nll());
            assertEquals(
                    alone,
                    pair[1],
                    1e-6 * Math.abs(alone),
                    "row 1 of a pair: its own noise; float32 backbones, 1e-6 relative");
            double other =
                    model.objective(a, Noise.perRow(new long[] {43})).nll().item_double();
            assertEquals(false, alone == other, "another seed, another noise draw");
            assertThrows(IllegalArgumentException.class, () -> model.objective(a, Noise.perRow(new long[] {1, 2})));
        }
    }

    private static double[] values(Tensor t) {
        double[] out = new double[(int) t.numel()];
        t.contiguous().data_ptr_double().get(out);
        return out;
    }
}
