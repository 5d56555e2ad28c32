package org.tarflow4j.coupling.rosenblatt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tarflow4j.api.numerics.DensityDtype;
import org.tarflow4j.api.numerics.MixtureSolver;

/**
 * The inverse Rosenblatt chain on the host (what a sampling step's few rows take) against the tensor chain solved in
 * libtorch ({@code MixtureSolver.Mode.COMPACTING}) in float64: the same x to 1e-11·(1 + |x|) and the same count of
 * elements and unconverged ones, over 4 rows of d = 5 channels with V = 27 components of scale 0.05 (narrow, as a
 * trained tied codebook's) and peaked weights (logits 3·N(0, 1)), with patches of 1 and 2 tokens, at u = 3·N(0, 1);
 * and with one component (no logits). The forward transform of the host's x gives u back to 1e-8.
 */
class HostInverseTest {
    private static final long SEED = 4242L;

    @ParameterizedTest(name = "patch {0}, V = {1}")
    @CsvSource({"1, 27", "2, 27", "2, 1"})
    void hostChainMatchesTheTensorChain(int patch, int vocab) {
        int d = 5;
        RosenblattTransform transform = new RosenblattTransform(patch, d, vocab, DensityDtype.FLOAT64);
        MixtureSolver host = MixtureSolver.DEFAULT.with(MixtureSolver.Mode.HOST, 0);
        MixtureSolver tensors = MixtureSolver.DEFAULT.with(MixtureSolver.Mode.COMPACTING, 0);
        try (PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(SEED);
            TensorOptions f64 = new TensorOptions(torch.ScalarType.Double);
            Tensor u = torch.randn(new long[] {4, (long) patch * d}, f64).mul(new Scalar(3.0));
            List<Tensor> rows = new ArrayList<>(List.of(u));
            if (vocab > 1)
                rows.add(torch.randn(new long[] {4, (long) patch * vocab}, f64).mul(new Scalar(3.0)));
            List<Tensor> shared = List.of(
                    torch.randn(new long[] {vocab, d}, f64),
                    torch.full(new long[] {vocab}, new Scalar(Math.log(0.05)), f64));
            assertTrue(MixtureSolver.DEFAULT.onHost(u, 4L * patch * vocab), "AUTO takes a step's rows to the host");
            RosenblattTransform.Inverse expected = transform.inverse(rows, shared, tensors);
            RosenblattTransform.Inverse actual = transform.inverse(rows, shared, host);
            double err = actual.x()
                    .sub(expected.x())
                    .abs()
                    .div(expected.x().abs().add(new Scalar(1.0)))
                    .max()
                    .item_double();
            assertTrue(
                    err <= 1e-11, "host chain differs by " + err + "·(1 + |x|) (tolerance 1e-11, seed " + SEED + ")");
            assertEquals(expected.report().elements(), actual.report().elements());
            assertEquals(0, actual.report().unconverged(), actual.report().toString());
            assertEquals(torch.ScalarType.Double, actual.x().scalar_type().intern());
            List<Tensor> inverted = new ArrayList<>(rows);
            inverted.set(0, actual.x());
            Tensor back = transform.forward(inverted, shared).get(0);
            double roundTrip = back.sub(u).abs().max().item_double();
            assertTrue(roundTrip <= 1e-8, "forward of the host inverse misses u by " + roundTrip + " (tolerance 1e-8)");
        }
    }
}
