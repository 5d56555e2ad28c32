package org.tarflow4j.trainer.model;

import org.bytedeco.pytorch.Tensor;

/** Groups P consecutive tokens into one flow position: {@code [B, T, d] ⇄ [B, T/P, P·d]}, token j at channels {@code [j·d, (j+1)·d)}. */
public final class Patches {
    private Patches() {}

    public static Tensor patch(Tensor z, int p) {
        return z.reshape(z.size(0), z.size(1) / p, p * z.size(2));
    }

    public static Tensor unpatch(Tensor h, int p) {
        return h.reshape(h.size(0), h.size(1) * p, h.size(2) / p);
    }
}
