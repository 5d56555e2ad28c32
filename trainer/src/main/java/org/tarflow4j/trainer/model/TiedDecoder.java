package org.tarflow4j.trainer.model;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.numerics.DensityDtype;
import org.tarflow4j.api.numerics.Normal;
import org.tarflow4j.api.numerics.RecomputedRows;

/**
 * The decoder tied to the encoder's codebook: {@code p(x = k | z) = N(z; μ_k, σ_k² I) / Σ_j N(z; μ_j, σ_j² I)},
 * the posterior over tokens of a uniform mixture of the encoder's Gaussians, computed with logsumexp.
 *
 * <p>Memory: the log-densities of all tokens are a {@code [B, T, V]} tensor, and the graph of the likelihood keeps
 * about {@link #TENSORS_PER_POSITION} of them (float64): at V = 50,257 that is 5.6 MB a position, 11.5 GB for a batch of
 * 16 × 128 tokens. So {@link #logLikelihood}, {@link #argmax} and {@link #draw} work over chunks of positions of at
 * most {@link #CHUNK_BYTES}: the likelihood through {@link RecomputedRows} (each chunk without graph in the forward
 * pass, its gradient computed in the backward pass), decoding chunk by chunk without gradient. Only
 * {@link #logProbs} returns the whole {@code [B, T, V]}: the straightforward reference, for small vocabularies. The
 * likelihood's backward pass is written by hand ({@link RecomputedRows.RowGradient}: one recomputation of the
 * log-densities, no graph), and runs in the encoder's {@link Encoder#density() density dtype} ({@code [model]
 * density_dtype}); decoding is float64.
 */
public final class TiedDecoder {
    /** Working memory of one chunk of positions. */
    public static final long CHUNK_BYTES = 256L << 20;

    /**
     * {@code [V]} tensors of the density dtype one position's likelihood needs at most (counted from the graph of
     * {@link #componentLogDensities}, its logsumexp and gather, and their gradients; the hand-written backward pass
     * needs fewer: a bound that sizes the chunks).
     */
    public static final int TENSORS_PER_POSITION = 14;

    private TiedDecoder() {}

    /**
     * {@code log p(x = k | z)} for every token k: {@code [B, T, V]} from {@code z [B, T, d]}, all at once (for small
     * vocabularies and as the reference of the chunked methods).
     */
    public static Tensor logProbs(Encoder encoder, Tensor z) {
        Tensor logN = componentLogDensities(z, encoder.means(), encoder.logScales());
        return logN.sub(logN.logsumexp(new long[] {-1}, true));
    }

    /**
     * {@code log p(x_t | z_t)} for the given tokens, {@code [B, T]}, over chunks of positions: differentiable in
     * {@code z} and the codebook, with the working memory of one chunk.
     */
    public static Tensor logLikelihood(Encoder encoder, Tensor z, Tensor ids) {
        return logLikelihood(
                encoder,
                z,
                ids,
                positionsPerChunk(encoder.vocabSize(), encoder.density().bytes()));
    }

    /** {@link #logLikelihood} over chunks of {@code chunk} positions. */
    static Tensor logLikelihood(Encoder encoder, Tensor z, Tensor ids, long chunk) {
        DensityDtype density = encoder.density();
        List<Tensor> rows = List.of(z.reshape(-1, z.size(-1)), ids.reshape(-1, 1));
        List<Tensor> shared = List.of(encoder.means(), encoder.logScales());
        Tensor out = RecomputedRows.apply(
                        (r, sh) -> likelihoodRows(r, sh, density),
                        (r, sh, o, g) -> likelihoodGradient(r, sh, o, g, density),
                        rows,
                        shared,
                        chunk)
                .get(0);
        return out.view(ids.size(0), ids.size(1));
    }

    /** The straightforward {@link #logLikelihood}: one graph over {@code [B, T, V]}. */
    static Tensor logLikelihoodAtOnce(Encoder encoder, Tensor z, Tensor ids) {
        return logProbs(encoder, z).gather(2, ids.unsqueeze(2)).squeeze(2);
    }

    /**
     * Rows {@code z [r, d]} and {@code ids [r, 1]}, shared means and log-scales: {@code log p(ids | z) [r, 1]}, in the
     * density dtype.
     */
    private static List<Tensor> likelihoodRows(List<Tensor> rows, List<Tensor> shared, DensityDtype density) {
        Tensor logN = componentLogDensities(
                density.cast(rows.get(0)), density.cast(shared.get(0)), density.cast(shared.get(1)));
        Tensor own = logN.gather(1, rows.get(1));
        return List.of(own.sub(logN.logsumexp(new long[] {1}, true)));
    }

    /**
     * The vector-Jacobian product of {@link #likelihoodRows}, by hand: with {@code l_k} the log-densities, {@code p}
     * their softmax (from the output {@code l_x − logsumexp l}), {@code g} the output's gradient,
     * {@code g_k = g (δ_kx − p_k)} and {@code a_k = g_k / σ_k²}:
     * {@code ∂z = a·μ − z Σ_k a_k}, {@code ∂μ_k = Σ_r a_k (z − μ_k)}, {@code ∂ log σ_k = Σ_r (a_k |z − μ_k|² − d g_k)}.
     */
    private static List<Tensor> likelihoodGradient(
            List<Tensor> rows,
            List<Tensor> shared,
            List<Tensor> outputs,
            List<Tensor> gradients,
            DensityDtype density) {
        Tensor z = density.cast(rows.get(0));
        Tensor ids = rows.get(1);
        Tensor means = density.cast(shared.get(0));
        Tensor logScales = density.cast(shared.get(1));
        long d = means.size(1);
        Tensor sq = squaredDistances(z, means);
        Tensor inverseVariance = logScales.mul(new Scalar(-2.0)).exp();
        Tensor logN = logDensities(sq, inverseVariance, logScales, d);
        Tensor g = gradients.get(0);
        // log p_k = l_k − logsumexp l = l_k − (l_x − out)
        Tensor logNormaliser = logN.gather(1, ids).sub(outputs.get(0));
        Tensor gradLogN = logN.sub_(logNormaliser).exp_().mul_(g.neg());
        gradLogN.scatter_add_(1, ids, g);
        Tensor a = gradLogN.mul(inverseVariance);
        Tensor sumA = a.sum(new long[] {1}, true, new ScalarTypeOptional());
        Tensor gradZ = a.matmul(means).sub(z.mul(sumA));
        Tensor gradMeans = a.t().matmul(z).sub(means.mul(a.sum(0).unsqueeze(1)));
        Tensor gradLogScales = a.mul_(sq).sum(0).sub(gradLogN.sum(0).mul(new Scalar((double) d)));
        return Arrays.asList(
                gradZ.to(rows.get(0).scalar_type()),
                null,
                gradMeans.to(shared.get(0).scalar_type()),
                gradLogScales.to(shared.get(1).scalar_type()));
    }

    /** The most probable token at each position, {@code [B, T]}, chunk by chunk. Without gradients. */
    public static Tensor argmax(Encoder encoder, Tensor z) {
        return argmax(encoder, z, positionsPerChunk(encoder.vocabSize()));
    }

    static Tensor argmax(Encoder encoder, Tensor z, long chunk) {
        return perChunk(encoder, z, chunk, logN -> logN.argmax(new LongOptional(1), true));
    }

    /**
     * A token drawn at each position from {@code p(x | z_t)}, {@code [B, T]}, chunk by chunk: {@code categorical}
     * draws one index per row of probabilities {@code [r, V]} ({@code [r, 1]} out). Without gradients.
     */
    public static Tensor draw(Encoder encoder, Tensor z, UnaryOperator<Tensor> categorical) {
        return draw(encoder, z, categorical, positionsPerChunk(encoder.vocabSize()));
    }

    static Tensor draw(Encoder encoder, Tensor z, UnaryOperator<Tensor> categorical, long chunk) {
        return perChunk(encoder, z, chunk, logN -> categorical.apply(torch.softmax(logN, 1)));
    }

    /** {@code f} of the log-densities {@code [r, V]} of each chunk of positions, each giving {@code [r, 1]} ids. */
    private static Tensor perChunk(Encoder encoder, Tensor z, long chunk, UnaryOperator<Tensor> f) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor flat = z.reshape(-1, z.size(-1));
            long n = flat.size(0);
            Tensor means = encoder.means();
            Tensor logScales = encoder.logScales();
            TensorVector parts = new TensorVector();
            PointerScope outer = PointerScope.getInnerScope();
            for (long start = 0; start < n; start += chunk) {
                long r = Math.min(chunk, n - start);
                try (PointerScope scope = new PointerScope()) {
                    Tensor part = f.apply(componentLogDensities(flat.narrow(0, start, r), means, logScales));
                    if (outer != null) outer.attach(part);
                    else part.retainReference();
                    parts.push_back(part);
                }
            }
            return torch.cat(parts, 0).view(z.size(0), z.size(1));
        }
    }

    /** Positions whose float64 likelihood fits {@link #CHUNK_BYTES}: at least one (decoding's chunks). */
    public static long positionsPerChunk(int vocab) {
        return positionsPerChunk(vocab, Double.BYTES);
    }

    /** Positions whose likelihood in elements of {@code elementBytes} fits {@link #CHUNK_BYTES}: at least one. */
    public static long positionsPerChunk(int vocab, int elementBytes) {
        return Math.max(1, CHUNK_BYTES / bytesPerPosition(vocab, elementBytes));
    }

    /**
     * Bytes a training step's likelihood over {@code positions} positions holds at its peak, in elements of
     * {@code elementBytes} (the density dtype's): one chunk's working set (all positions' when they fit one chunk) and
     * the gradient of the latents.
     */
    public static double trainingBytes(long positions, int vocab, int elementBytes) {
        long chunk = positionsPerChunk(vocab, elementBytes);
        double graph = (double) Math.min(positions, chunk) * bytesPerPosition(vocab, elementBytes);
        return graph + 2.0 * positions * Double.BYTES;
    }

    /** Working memory of one position's likelihood, forward and backward. */
    public static long bytesPerPosition(int vocab, int elementBytes) {
        return (long) vocab * elementBytes * TENSORS_PER_POSITION;
    }

    /** {@code log N(z; μ_k, σ_k² I)} for every k: {@code [..., V]} from {@code z [..., d]}. */
    static Tensor componentLogDensities(Tensor z, Tensor mu, Tensor logSigma) {
        return logDensities(
                squaredDistances(z, mu), logSigma.mul(new Scalar(-2.0)).exp(), logSigma, mu.size(1));
    }

    /**
     * {@code log N(z; μ_k, σ_k² I) = −|z − μ_k|²/(2σ_k²) − d log σ_k − (d/2) log 2π} from the squared distances
     * {@code [..., V]}, the inverse variances and the log-scales {@code [V]}, for latents of {@code d} channels.
     */
    private static Tensor logDensities(Tensor squaredDistances, Tensor inverseVariance, Tensor logSigma, long d) {
        return squaredDistances
                .mul(inverseVariance.mul(new Scalar(-0.5)))
                .sub(logSigma.mul(new Scalar((double) d)))
                .sub(new Scalar(d * Normal.HALF_LOG_TWO_PI));
    }

    /** {@code |z − μ_k|²} for every k by the expansion {@code |z|² − 2 z·μ_k + |μ_k|²}, at least 0: {@code [..., V]}. */
    private static Tensor squaredDistances(Tensor z, Tensor mu) {
        return z.square()
                .sum(new long[] {-1}, true, new ScalarTypeOptional())
                .sub(z.matmul(mu.t()).mul(new Scalar(2.0)))
                .add(mu.square().sum(1))
                .clamp_min(new Scalar(0.0));
    }
}
