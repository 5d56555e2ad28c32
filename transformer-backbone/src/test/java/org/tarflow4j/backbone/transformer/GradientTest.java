package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** A loss on forward() reaches every parameter, dropout included. */
class GradientTest {
    private static final long SEED = 5;

    @Test
    void everyParameterGetsAGradient() {
        assertAllParametersReached(Fixtures.tiny(SEED));
    }

    @Test
    void everyParameterGetsAGradientWithDropout() {
        assertAllParametersReached(Fixtures.create(
                SEED, Map.of("depth", 2L, "width", 16L, "heads", 4L, "dropout", 0.1), Fixtures.POSITIONS));
    }

    private static void assertAllParametersReached(TransformerBackbone backbone) {
        backbone.train(true);
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Fixtures.input(SEED, 2, Fixtures.POSITIONS);
            Tensor features = backbone.forward(x);
            Tensor loss = features.mul(torch.randn(features.size(0), features.size(1), features.size(2)))
                    .sum();
            loss.backward();
            StringTensorDict parameters = backbone.named_parameters();
            assertTrue(parameters.size() > 0);
            for (long i = 0; i < parameters.size(); i++) {
                String name = parameters.get(i).key().getString();
                Tensor grad = parameters.get(i).value().grad();
                assertTrue(grad.defined(), "seed " + SEED + ": no gradient reached " + name);
                double norm = grad.abs().sum().item_double();
                assertTrue(norm > 0 && Double.isFinite(norm), "seed " + SEED + ": gradient of " + name + " is " + norm);
            }
        }
    }
}
