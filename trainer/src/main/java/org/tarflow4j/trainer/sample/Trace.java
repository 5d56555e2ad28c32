package org.tarflow4j.trainer.sample;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.Noise;
import org.tarflow4j.trainer.model.TarFlowLM;

/**
 * The multi-pass view (paper §5 and Appendix G): a text is encoded, and its latent after every layer is decoded by
 * the tied decoder, from the noise {@code h_L = u} down to the data-side {@code h_0 = z}, coarse to fine; or a sample
 * is drawn, and its latents are decoded in the order it was generated, from the noise down to its text. A latent is
 * decoded as token vectors in the data's channel arrangement ({@link TarFlowLM#tokenVectors}: the channel mixers of
 * the layers below it undone, then the patches split), and measured as a set of token vectors in {@code R^d}.
 */
public final class Trace {
    private Trace() {}

    /**
     * One latent of the stack.
     *
     * @param layer              0 ({@code z}) to L ({@code u})
     * @param texts              the latent decoded, one text per input
     * @param meanNorm           mean L2 norm of the token vectors
     * @param meanCosine         mean cosine similarity of two different tokens of one sequence
     * @param participationRatio {@code (Σλ)² / Σλ²} of the covariance of all token vectors: the number of directions
     *                           they effectively spread over (between 1 and d)
     * @param centroidShift      mean distance between a sequence's centroid here and one layer closer to the data
     *                           (null at layer 0)
     */
    public record Layer(
            int layer,
            String name,
            List<String> texts,
            double meanNorm,
            double meanCosine,
            double participationRatio,
            Double centroidShift) {}

    /** The view of {@code texts}, from {@code u} to {@code z}; texts of different lengths are traced one by one. */
    public static List<Layer> of(LoadedModel trained, List<String> texts) {
        trained.flow("the multi-pass view");
        List<int[]> ids = new ArrayList<>();
        for (String text : texts)
            ids.add(trained.sequence(text, texts.size() == 1 ? "--text" : "--text '" + text + "'"));
        return ofTokens(trained, ids);
    }

    /** The view of token sequences, each a whole number of patches and at most the context (e.g. held-out text). */
    public static List<Layer> ofTokens(LoadedModel trained, List<int[]> sequences) {
        TarFlowLM model = trained.flow("the multi-pass view");
        try (PointerScope scope = new PointerScope()) {
            return view(trained, new FlowSampler(model), sequences);
        }
    }

    /** Writes the view as JSON to {@code trace.json} next to the checkpoint and returns that file. */
    public static Path write(LoadedModel trained, List<String> texts, List<Layer> view) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("checkpoint", trained.checkpoint().toString());
        out.put("texts", texts);
        out.put("layers", view);
        Path file = trained.checkpoint().resolveSibling("trace.json");
        AtomicFiles.write(file, Json.pretty(out));
        return file;
    }

    /**
     * The view of {@code num} samples in generation order (paper §5): noise {@code u = h_L ~ N(0, T² I)} of
     * {@code length} tokens (0: the context), then the latent after inverting each layer, {@code h_{L-1}}, …, down to
     * {@code z}, each decoded; the last is the sample {@code tarflow sample} draws with the same seed, temperature,
     * length and inversion (argmax decoding).
     */
    public static List<Layer> ofSamples(
            LoadedModel trained, int num, int length, double temperature, long seed, Inversion how) {
        TarFlowLM model = trained.flow("the multi-pass view of a sample");
        int tokens = length > 0 ? length : trained.context();
        if (num < 1) throw new TarflowException("--sample is " + num + "; ask for at least one sample");
        if (tokens > trained.context())
            throw new TarflowException(
                    "--length " + tokens + " is longer than the model's context of " + trained.context() + " tokens");
        trained.requireWholePatches(tokens, "--length is");
        if (!(temperature >= 0)) throw new TarflowException("--temperature is " + temperature + "; give a value >= 0");
        try (PointerScope scope = new PointerScope()) {
            FlowSampler sampler = new FlowSampler(model, new Noise(seed));
            int depth = sampler.depth();
            Tensor[] h = new Tensor[depth + 1];
            h[depth] = sampler.noise(num, tokens / model.patch(), temperature);
            for (int l = depth - 1; l >= 0; l--) h[l] = sampler.down(h[l + 1], l + 1, l, how);
            List<List<Tensor>> perSample = new ArrayList<>();
            for (int i = 0; i < num; i++) {
                List<Tensor> one = new ArrayList<>();
                for (Tensor latent : h) one.add(latent.narrow(0, i, 1));
                perSample.add(one);
            }
            return decoded(trained, sampler, perSample);
        }
    }

    private static List<Layer> view(LoadedModel trained, FlowSampler sampler, List<int[]> ids) {
        List<List<Tensor>> perText = new ArrayList<>();
        for (int[] row : ids) perText.add(sampler.latents(sampler.encode(Generation.tensor(trained, row))));
        return decoded(trained, sampler, perText);
    }

    /** Each sequence's latents {@code h_0 … h_L} ({@code [1, N, P·d]} each) decoded and measured, from u to z. */
    private static List<Layer> decoded(LoadedModel trained, FlowSampler sampler, List<List<Tensor>> perText) {
        int depth = sampler.depth();
        TarFlowLM model = sampler.model();
        List<Layer> out = new ArrayList<>();
        for (int l = depth; l >= 0; l--) {
            List<Tensor> here = new ArrayList<>();
            List<Tensor> below = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (List<Tensor> h : perText) {
                Tensor t = model.tokenVectors(h.get(l), l);
                here.add(t);
                if (l > 0) below.add(model.tokenVectors(h.get(l - 1), l - 1));
                texts.add(trained.text(Generation.rows(sampler.decode(t, false))[0]));
            }
            Statistics s = Statistics.of(here, l > 0 ? below : null);
            out.add(new Layer(
                    l, name(l, depth), texts, s.meanNorm, s.meanCosine, s.participationRatio, s.centroidShift));
        }
        return out;
    }

    static String name(int layer, int depth) {
        return layer == 0 ? "z" : layer == depth ? "u" : "h" + layer;
    }

    /** Geometry of sets of token vectors, each sequence {@code [1, T, d]}. */
    record Statistics(double meanNorm, double meanCosine, double participationRatio, Double centroidShift) {
        static Statistics of(List<Tensor> sequences, List<Tensor> below) {
            double norm = 0;
            double cosine = 0;
            double shift = 0;
            long tokens = 0;
            int pairs = 0;
            List<Tensor> all = new ArrayList<>();
            for (int i = 0; i < sequences.size(); i++) {
                Tensor x = sequences.get(i).squeeze(0);
                all.add(x);
                long t = x.size(0);
                Tensor norms = x.square()
                        .sum(new long[] {1}, true, new ScalarTypeOptional())
                        .sqrt();
                norm += norms.sum().item_double();
                tokens += t;
                if (t > 1) {
                    Tensor unit = x.div(norms.clamp_min(new Scalar(1e-300)));
                    Tensor gram = unit.matmul(unit.t());
                    cosine += gram.sum().sub(gram.diagonal().sum()).item_double() / (t * (t - 1));
                    pairs++;
                }
                if (below != null)
                    shift += x.mean(new long[] {0})
                            .sub(below.get(i).squeeze(0).mean(new long[] {0}))
                            .norm()
                            .item_double();
            }
            Tensor x = torch.cat(new TensorVector(all.toArray(new Tensor[0])), 0);
            Tensor centred = x.sub(x.mean(new long[] {0}, true, new ScalarTypeOptional()));
            Tensor covariance = centred.t().matmul(centred).div(new Scalar((double) Math.max(1, x.size(0) - 1)));
            double trace = covariance.trace().item_double();
            double squares = covariance.square().sum().item_double();
            double ratio = squares > 0 ? trace * trace / squares : 0;
            return new Statistics(
                    norm / tokens,
                    pairs > 0 ? cosine / pairs : Double.NaN,
                    ratio,
                    below == null ? null : shift / sequences.size());
        }
    }
}
