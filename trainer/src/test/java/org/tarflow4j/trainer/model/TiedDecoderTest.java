package org.tarflow4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tarflow4j.api.numerics.DensityDtype;

/**
 * The tied decoder over chunks of positions against the straightforward {@code [B, T, V]} computation, in float64:
 * the likelihood and its gradients in {@code z}, the codebook means and the raw scales agree to 1e-9 relative to the
 * largest entry (at least 1); argmax and the sampler's draws ({@link Noise#categorical}) from one seed are identical. V = 11, 2 × 7 positions in chunks of
 * 1, 3 and 5 (the last chunk shorter), and all at once.
 */
class TiedDecoderTest {
    private static final TensorOptions F64 = new TensorOptions(torch.ScalarType.Double);
    private static final double TOLERANCE = 1e-9;
    private static final int VOCAB = 11;
    private static final int LATENT = 4;

    private static Encoder encoder() {
        torch.manual_seed(5);
        Encoder e = new Encoder(VOCAB, LATENT, 0.05, 2.0, 0.4);
        try (NoGradGuard ignored = new NoGradGuard()) {
            e.named_parameters().get(1).value().add_(torch.randn(new long[] {VOCAB}, F64));
        }
        return e;
    }

    @ParameterizedTest(name = "chunks of {0} positions")
    @ValueSource(longs = {1, 3, 5, 14})
    void chunkedLikelihoodMatchesTheWholeGraph(long chunk) {
        Encoder encoder = encoder();
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(9);
            Tensor ids = torch.randint(VOCAB, new long[] {2, 7});
            Tensor z0 = encoder.means()
                    .detach()
                    .index_select(0, ids.flatten())
                    .view(2, 7, LATENT)
                    .add(torch.randn(new long[] {2, 7, LATENT}, F64).mul(new Scalar(0.7)));
            Tensor weights = torch.randn(new long[] {2, 7}, F64);

            Tensor[] expected = run(encoder, z0, weights, ids, -1);
            Tensor[] actual = run(encoder, z0, weights, ids, chunk);
            String[] names = {"log p(x|z)", "∂/∂z", "∂/∂means", "∂/∂raw_scales"};
            for (int i = 0; i < names.length; i++) {
                double scale = Math.max(1.0, expected[i].abs().max().item_double());
                double err = actual[i].sub(expected[i]).abs().max().item_double() / scale;
                assertTrue(
                        err <= TOLERANCE,
                        names[i] + " over chunks of " + chunk + " differs from the whole graph by " + err
                                + " (relative to max(1, |" + names[i] + "|) = " + scale + ", tolerance " + TOLERANCE
                                + ")");
            }
        }
    }

    /**
     * In float32 ({@code density_dtype = "float32"}, over chunks, with the hand-written backward pass) the likelihood
     * and its gradients stay within 1e-5 (relative to the largest entry, at least 1) of the float64 graph, for latents
     * drawn from the encoder at its scales and at scales of 1e-3. (The expansion {@code |z|² − 2 z·μ + |μ|²} rounds each
     * log-density by about {@code 6e-8·|z|²/σ²}; where the token's own term dominates, the same error is in the
     * normaliser and cancels.)
     */
    @ParameterizedTest(name = "raw scales {0}")
    @ValueSource(doubles = {Double.NaN, -1.19})
    void float32LikelihoodMatchesFloat64(double raw) {
        Encoder[] encoders = new Encoder[2];
        for (int i = 0; i < 2; i++) {
            torch.manual_seed(5);
            encoders[i] =
                    new Encoder(VOCAB, LATENT, 1e-4, 2.0, 0.4, i == 0 ? DensityDtype.FLOAT64 : DensityDtype.FLOAT32);
            try (NoGradGuard ignored = new NoGradGuard()) {
                Tensor rawScales = encoders[i].named_parameters().get(1).value();
                if (Double.isNaN(raw)) rawScales.add_(torch.randn(new long[] {VOCAB}, F64));
                else rawScales.fill_(new Scalar(raw));
            }
        }
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(9);
            Encoder exact = encoders[0];
            Tensor ids = torch.randint(VOCAB, new long[] {2, 7});
            Tensor z0 = exact.sample(ids, torch.randn(new long[] {2, 7, LATENT}, F64))
                    .z()
                    .detach();
            Tensor weights = torch.randn(new long[] {2, 7}, F64);
            Tensor[] expected = run(exact, z0, weights, ids, -1);
            Tensor[] actual = run(encoders[1], z0, weights, ids, 3);
            String[] names = {"log p(x|z)", "∂/∂z", "∂/∂means", "∂/∂raw_scales"};
            for (int i = 0; i < names.length; i++) {
                double scale = Math.max(1.0, expected[i].abs().max().item_double());
                double err = actual[i]
                                .to(torch.ScalarType.Double)
                                .sub(expected[i])
                                .abs()
                                .max()
                                .item_double()
                        / scale;
                assertTrue(err <= 1e-5, names[i] + " in float32 differs from float64 by " + err + " (tolerance 1e-5)");
            }
        }
    }

    /** Values and the gradients of {@code Σ w · log p(x|z)}; chunk -1 is the straightforward graph. */
    private static Tensor[] run(Encoder encoder, Tensor z0, Tensor weights, Tensor ids, long chunk) {
        encoder.zero_grad(true);
        Tensor z = z0.clone().requires_grad_(true);
        Tensor ll = chunk < 0
                ? TiedDecoder.logLikelihoodAtOnce(encoder, z, ids)
                : TiedDecoder.logLikelihood(encoder, z, ids, chunk);
        ll.mul(weights).sum().backward();
        return new Tensor[] {
            ll.detach(),
            z.grad().clone(),
            encoder.means().grad().clone(),
            encoder.named_parameters().get(1).value().grad().clone()
        };
    }

    @Test
    void chunkedDecodingMatchesTheWholeTensor() {
        Encoder encoder = encoder();
        try (PointerScope scope = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            torch.manual_seed(3);
            Tensor z = torch.randn(new long[] {3, 5, LATENT}, F64).mul(new Scalar(1.5));
            Tensor all = TiedDecoder.logProbs(encoder, z);
            Tensor expected = all.argmax(new LongOptional(2), false);
            for (long chunk : new long[] {1, 4, 15}) {
                assertTrue(torch.equal(expected, TiedDecoder.argmax(encoder, z, chunk)), "argmax, chunks of " + chunk);
                Tensor drawnAtOnce =
                        new Noise(17).categorical(all.exp().flatten(0, 1)).view(3, 5);
                Noise noise = new Noise(17);
                Tensor drawn = TiedDecoder.draw(encoder, z, noise::categorical, chunk);
                assertTrue(torch.equal(drawnAtOnce, drawn), "draws from one seed, chunks of " + chunk);
            }
            assertEquals(2, TiedDecoder.argmax(encoder, z).dim());
        }
    }

    @Test
    void chunksFollowTheVocabulary() {
        assertEquals(
                TiedDecoder.CHUNK_BYTES / (50_257L * 8 * TiedDecoder.TENSORS_PER_POSITION),
                TiedDecoder.positionsPerChunk(50_257));
        assertTrue(TiedDecoder.positionsPerChunk(27) > 16 * 128, "the text8 vocabulary's batches are one chunk");
    }
}
