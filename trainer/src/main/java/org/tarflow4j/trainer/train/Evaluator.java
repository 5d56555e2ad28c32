package org.tarflow4j.trainer.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.data.SequentialBatches;
import org.tarflow4j.trainer.distributed.World;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.Noise;

/**
 * The model's bound on a split: with one latent sample per sequence the ELBO, with K the importance-weighted bound
 * {@code log (1/K) Σ_k p(x, z_k) / q(z_k | x)}, which is at least as tight and tightens as K grows. Exact models
 * (the autoregressive baseline) need one pass.
 */
public final class Evaluator {
    private Evaluator() {}

    /** {@link #evaluate(LanguageModel, SequentialBatches, String, int, int, long, World)} in one process. */
    public static Evaluation evaluate(
            LanguageModel model, SequentialBatches batches, String split, int samples, int maxBatches, long seed) {
        return evaluate(model, batches, split, samples, maxBatches, seed, World.single());
    }

    /**
     * @param split        the split's name, for the report
     * @param samples      latent samples per sequence
     * @param maxBatches   batches to use, 0 for all
     * @param seed         seeds the encoder noise of batch i with {@code seed + i}, so results are repeatable on every
     *                     device
     * @param world        the ranks that share the work: rank r evaluates batches r, r + size, …; the nats and tokens
     *                     of every batch are then summed over ranks (each batch's come from one rank, so the sums are
     *                     exact) and added up in batch order, as one process adds them: the same bound to the bit
     */
    public static Evaluation evaluate(
            LanguageModel model,
            SequentialBatches batches,
            String split,
            int samples,
            int maxBatches,
            long seed,
            World world) {
        int k = model.exact() ? 1 : samples;
        boolean training = model.module().is_training();
        model.module().train(false);
        long n = maxBatches > 0 ? Math.min(maxBatches, batches.batches()) : batches.batches();
        double[] perBatch = new double[Math.toIntExact(2 * n)]; // nats of batch i at 2i, its tokens at 2i + 1
        try (NoGradGuard ignored = new NoGradGuard()) {
            for (long i = world.rank(); i < n; i += world.size()) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor ids = batches.batch(i);
                    perBatch[(int) (2 * i)] =
                            bound(model, ids, k, new Noise(seed + i)).sum().item_double();
                    perBatch[(int) (2 * i + 1)] = ids.numel();
                }
            }
        } finally {
            model.module().train(training);
        }
        world.sum(perBatch);
        double nats = 0;
        long tokens = 0;
        for (int i = 0; i < n; i++) {
            nats += perBatch[2 * i];
            tokens += (long) perBatch[2 * i + 1];
        }
        return new Evaluation(split, tokens == 0 ? Double.NaN : nats / tokens, tokens, k, model.exact());
    }

    /** {@code −log (1/K) Σ_k exp(−nll_k)} per sequence: the negative importance-weighted bound. */
    static Tensor bound(LanguageModel model, Tensor ids, int k, Noise noise) {
        if (k == 1) return model.objective(ids, noise).nll();
        TensorVector logWeights = new TensorVector();
        for (int j = 0; j < k; j++)
            logWeights.push_back(model.objective(ids, noise).nll().neg());
        Tensor lw = torch.stack(logWeights, 0);
        return lw.logsumexp(new long[] {0}, false).sub(new Scalar(Math.log(k))).neg();
    }

    /**
     * A bound on a split in nats per token.
     *
     * @param samples latent samples per sequence behind the bound (1 = ELBO)
     * @param exact   the model's likelihood is exact (the ar baseline), not a bound
     */
    public record Evaluation(String split, double natsPerToken, long tokens, int samples, boolean exact) {
        /** {@code exact}, {@code elbo} or {@code importance-weighted}. */
        public String estimator() {
            return exact ? "exact" : samples == 1 ? "elbo" : "importance-weighted";
        }

        /** The bound as reports write it: nats per token, the metric, tokens, estimator and latent samples. */
        public java.util.Map<String, Object> report(org.tarflow4j.core.Metric metric) {
            return org.tarflow4j.core.Json.object(
                    "nats_per_token",
                    natsPerToken,
                    metric.key(),
                    metric.of(natsPerToken),
                    "tokens",
                    tokens,
                    "estimator",
                    estimator(),
                    "latent_samples",
                    samples);
        }

        public double bitsPerToken() {
            return natsPerToken / Math.log(2);
        }

        public double perplexity() {
            return Math.exp(natsPerToken);
        }
    }
}
