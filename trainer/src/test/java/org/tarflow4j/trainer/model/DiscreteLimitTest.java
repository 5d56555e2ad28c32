package org.tarflow4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.TokenPredictor;

/**
 * Paper Prop. 4: with one Rosenblatt layer tied to the encoder and no further flows, as the encoder's scales go to
 * zero the negative ELBO per token equals the discrete autoregressive cross-entropy {@code −log π_t[x_t]}, where
 * {@code π_t} are the layer's mixture weights.
 */
class DiscreteLimitTest {
    private static final int VOCAB = 11;

    private static String config(double sigma) {
        return """
                [model]
                latent = 4
                context = 12
                sigma_min = 1e-6
                sigma_init = %s
                [[flow]]
                coupling = "rosenblatt"
                mixer = "identity"
                [flow.coupling_options]
                tie_to_encoder = true
                [backbones.transformer]
                depth = 1
                width = 16
                heads = 2
                """.formatted(sigma);
    }

    /** The gap between the per-token negative ELBO and the AR cross-entropy of the layer's weights. */
    private static double gap(double sigma) {
        TarFlowLM model = (TarFlowLM) TinyModels.build(config(sigma), VOCAB).model();
        try (PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(5);
            for (Tensor p : Parameters.of(model.layers().get(0)))
                p.add_(torch.randn_like(p).mul(new Scalar(0.3)));
            Tensor ids = torch.randint(VOCAB, new long[] {4, 12}, new TensorOptions(torch.ScalarType.Long));
            Tensor eps = torch.randn(new long[] {4, 12, 4}, new TensorOptions(torch.ScalarType.Double));
            double nelbo = model.elbo(ids, eps).value().neg().sum().item_double() / ids.numel();
            FlowLayer layer = model.layers().get(0);
            Tensor z = model.encoder().sample(ids, eps).z();
            Tensor logPi = ((TokenPredictor) layer.coupling())
                    .tokenLogProbs(layer.backbone().forward(z))
                    .squeeze(2);
            double crossEntropy = logPi.gather(2, ids.unsqueeze(2)).neg().sum().item_double() / ids.numel();
            assertTrue(crossEntropy > 0.5, "the weights are not trivial: cross-entropy " + crossEntropy);
            System.out.printf("σ = %g: NELBO %.9f, cross-entropy %.9f nats/token%n", sigma, nelbo, crossEntropy);
            return Math.abs(nelbo - crossEntropy);
        }
    }

    @Test
    void negativeElboPerTokenMatchesTheCrossEntropyAtSmallSigma() {
        double gap = gap(1e-3);
        assertTrue(gap < 1e-3, "|NELBO − CE| per token at σ = 1e-3: " + gap + " nats (tolerance 1e-3)");
    }

    @Test
    void theGapIsRealAtLargeSigma() {
        assertTrue(gap(0.5) > 1e-2, "at σ = 0.5 the continuous model differs from the discrete one");
    }

    @Test
    void tiedLayerPredictsOneDistributionPerToken() {
        TarFlowLM model = (TarFlowLM) TinyModels.build(config(0.1), VOCAB).model();
        try (PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            Tensor logPi = ((TokenPredictor) model.layers().get(0).coupling()).tokenLogProbs(torch.randn(2, 12, 16));
            assertEquals(4, logPi.dim());
            assertEquals(VOCAB, logPi.size(3));
            assertEquals(
                    0.0, logPi.exp().sum(3).sub(new Scalar(1.0)).abs().max().item_double(), 1e-12);
        }
    }
}
