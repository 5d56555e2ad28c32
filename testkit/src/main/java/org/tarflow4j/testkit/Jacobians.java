package org.tarflow4j.testkit;

import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Full Jacobians by autograd, for the checks of log-determinants. */
final class Jacobians {
    private Jacobians() {}

    /**
     * {@code J[i, j] = ∂y_i/∂x_j} over the flattened tensors in float64, one backward pass per output element;
     * {@code x} must require gradients and {@code y} be computed from it.
     */
    static Tensor of(Tensor y, Tensor x) {
        TensorOptions f64 = new TensorOptions(torch.ScalarType.Double);
        Tensor flat = y.reshape(-1);
        long n = flat.size(0);
        Tensor jacobian = torch.zeros(new long[] {n, x.numel()}, f64);
        for (long i = 0; i < n; i++) {
            Tensor seed = torch.zeros(new long[] {n}, new TensorOptions(flat.scalar_type()));
            seed.narrow(0, i, 1).fill_(new Scalar(1.0));
            Tensor row = torch.grad(
                            new TensorVector(flat),
                            new TensorVector(x),
                            new TensorVector(seed),
                            new BoolOptional(true),
                            false,
                            true)
                    .get(0);
            if (row.defined()) jacobian.select(0, i).copy_(row.reshape(-1));
        }
        return jacobian;
    }
}
