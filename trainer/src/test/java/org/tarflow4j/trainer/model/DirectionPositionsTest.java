package org.tarflow4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * Position codes follow the direction of a layer: on a sequence shorter than the context, a right-to-left layer gives
 * each token the code it has in training, where every sequence fills the context (original position t has code
 * N − 1 − t), and its inversions place the sequence the same way.
 */
class DirectionPositionsTest {
    private static final int VOCAB = 11;
    private static final String ONE_LAYER = """
            [model]
            latent = 2
            context = 8
            [[flow]]
            coupling = "affine"
            direction = "%s"
            [backbones.transformer]
            depth = 1
            width = 16
            heads = 2
            """;

    /**
     * With attention silenced (its output projection zero), a position's features depend only on the token before it
     * in the layer's order and on its position code. Then a short sequence's output equals the full-length output at
     * every position whose neighbour in the layer's order exists in both (all but the last, right to left; all, left
     * to right) exactly when the codes agree: to 1e-4 (the features are float32; measured 2e-6). With the codes
     * counted from the start of the reversed sequence, as before, a right-to-left layer gave the last token of a short
     * sequence code 0, and the comparison failed by 4.4.
     */
    @Test
    void shortSequencesKeepTheirTrainingPositionCodes() {
        for (String direction : new String[] {"r2l", "l2r"}) {
            TarFlowLM model = TinyModels.randomised(
                    (TarFlowLM) TinyModels.build(ONE_LAYER.formatted(direction), VOCAB)
                            .model(),
                    0.2,
                    3);
            FlowLayer layer = model.layers().get(0);
            try (PointerScope s = new PointerScope();
                    NoGradGuard g = new NoGradGuard()) {
                StringTensorDict named = layer.named_parameters();
                for (long i = 0; i < named.size(); i++)
                    if (named.get(i).key().getString().contains("attention.proj."))
                        named.get(i).value().zero_();
                torch.manual_seed(9);
                Tensor full = torch.randn(new long[] {3, 8, 2}, new TensorOptions(torch.ScalarType.Double));
                for (int n : new int[] {1, 3, 5, 7}) {
                    Tensor shortSequence = full.narrow(1, 0, n);
                    long compared = direction.equals("r2l") ? n - 1 : n;
                    if (compared == 0) continue;
                    double diff = layer.forward(shortSequence)
                            .value()
                            .narrow(1, 0, compared)
                            .sub(layer.forward(full).value().narrow(1, 0, compared))
                            .abs()
                            .max()
                            .item_double();
                    assertTrue(diff < 1e-4, direction + ", " + n + " of 8 positions: short vs full differ by " + diff);
                }
            }
        }
    }

    /**
     * A short sequence through a perturbed right-to-left layer and back, position by position with the cache and by
     * Jacobi iteration, is the sequence again (to 1e-6): forward and inverse place it at the same positions.
     */
    @Test
    void shortSequencesInvertAtTheSamePositions() {
        TarFlowLM model = TinyModels.randomised(
                (TarFlowLM) TinyModels.build(ONE_LAYER.formatted("r2l"), VOCAB).model(), 0.2, 5);
        FlowLayer layer = model.layers().get(0);
        try (PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(4);
            Tensor x = torch.randn(new long[] {2, 5, 2}, new TensorOptions(torch.ScalarType.Double));
            Tensor u = layer.forward(x).value();
            double sequential = layer.inverse(u).sub(x).abs().max().item_double();
            assertTrue(sequential < 1e-6, "sequential inverse off by " + sequential);
            double jacobi = layer.inverseJacobi(u.narrow(1, 0, 0), u, 0, 1e-12, 50)
                    .sub(x)
                    .abs()
                    .max()
                    .item_double();
            assertTrue(jacobi < 1e-6, "Jacobi inverse off by " + jacobi);
        }
    }
}
