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
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.Patches;
import org.tarflow4j.trainer.model.TarFlowLM;

/**
 * The multi-pass view (paper §5 and Appendix G): a text is encoded, and its latent after every layer is decoded by
 * the tied decoder (unpatched first), from the noise {@code h_L = u} down to the data-side {@code h_0 = z}, coarse
 * to fine. Each latent is also measured as a set of token vectors in {@code R^d}.
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

    private static List<Layer> view(LoadedModel trained, FlowSampler sampler, List<int[]> ids) {
        int depth = sampler.depth();
        List<List<Tensor>> perText = new ArrayList<>();
        for (int[] row : ids) perText.add(sampler.latents(sampler.encode(Generation.tensor(trained, row))));
        List<Layer> out = new ArrayList<>();
        for (int l = depth; l >= 0; l--) {
            List<Tensor> here = new ArrayList<>();
            List<Tensor> below = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (List<Tensor> h : perText) {
                Tensor t = Patches.unpatch(h.get(l), sampler.model().patch());
                here.add(t);
                if (l > 0)
                    below.add(Patches.unpatch(h.get(l - 1), sampler.model().patch()));
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
