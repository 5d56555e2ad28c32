package org.tarflow4j.trainer.board;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.core.config.SampleConfig;
import org.tarflow4j.data.TokenSplit;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.Encoder;
import org.tarflow4j.trainer.model.Noise;
import org.tarflow4j.trainer.model.Patches;
import org.tarflow4j.trainer.model.TarFlowLM;
import org.tarflow4j.trainer.sample.Generation;
import org.tarflow4j.trainer.sample.Inversion;
import org.tarflow4j.trainer.sample.Trace;

/**
 * What TensorBoard shows of the model at each evaluation, measured on fixed held-out text so that evaluations compare:
 * a few short samples, the multi-pass view of the validation split's first tokens (each layer's latent decoded, with
 * the paper's Appendix G statistics), every layer's log-determinant and the ELBO's terms on the split's first
 * sequences, and histograms of the encoder's scales, the codebook's norms and each layer's |u|. Bounded by design:
 * {@value #SAMPLES} samples and a trace of at most {@value #SHORT} tokens, {@value #ROWS} sequences for the rest.
 */
final class ModelProbe {
    /** Samples per evaluation. */
    static final int SAMPLES = 3;
    /** Tokens per sample and in the traced text, at most (fewer for a shorter context). */
    static final int SHORT = 64;
    /** Held-out sequences the log-determinants, ELBO terms and |u| are measured on. */
    static final int ROWS = 4;

    private final int[] sentence;
    private final long[] rows;
    private final int rowCount;
    private final int context;
    private final long seed;

    /**
     * @param valid the validation split, whose first tokens are the probe's text
     * @param patch tokens per flow position: the probe's lengths are whole patches
     * @param seed  seeds the encoder noise of the log-determinant batch, the same at every evaluation
     */
    ModelProbe(TokenSplit valid, int context, int patch, long seed) {
        int length = Math.min(SHORT, context);
        this.sentence = valid.read(0, length - length % patch);
        this.context = context;
        this.rowCount = (int) Math.max(1, Math.min(ROWS, valid.size() / context));
        this.rows = new long[rowCount * context];
        valid.read(0, rows, 0, rows.length);
        this.seed = seed;
    }

    /** The measurements of one evaluation, ready to write. */
    record Findings(
            List<String> samples,
            List<Trace.Layer> trace,
            Map<String, Double> scalars,
            Map<String, double[]> histograms) {}

    Findings measure(LoadedModel model) {
        List<String> samples = samples(model);
        if (!(model.model() instanceof TarFlowLM flow)) return new Findings(samples, List.of(), Map.of(), Map.of());
        List<Trace.Layer> trace = Trace.ofTokens(model, List.of(sentence));
        Map<String, Double> scalars = new LinkedHashMap<>();
        for (Trace.Layer l : trace) {
            String name = l.name();
            scalars.put("latent_norm/" + name, l.meanNorm());
            scalars.put("latent_cosine/" + name, l.meanCosine());
            scalars.put("participation_ratio/" + name, l.participationRatio());
            if (l.centroidShift() != null) scalars.put("centroid_shift/" + name, l.centroidShift());
        }
        Map<String, double[]> histograms = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope();
                NoGradGuard noGrad = new NoGradGuard()) {
            Encoder encoder = flow.encoder();
            histograms.put("encoder/sigma", doubles(encoder.logScales().exp()));
            histograms.put(
                    "encoder/codebook_norm",
                    doubles(encoder.means()
                            .square()
                            .sum(new long[] {1}, false, new ScalarTypeOptional())
                            .sqrt()));
            passes(flow, scalars, histograms);
        }
        return new Findings(samples, trace, scalars, histograms);
    }

    /** A few short samples with the run's {@code [sample]} settings. */
    private List<String> samples(LoadedModel model) {
        SampleConfig c = model.config().sample();
        Generation.Request request = new Generation.Request(
                SAMPLES,
                sentence.length,
                c.temperature(),
                c.decode().equals("sample"),
                Inversion.of(c),
                c.seed(),
                null,
                Generation.DEFAULT_ROUNDS);
        List<String> out = new ArrayList<>();
        for (Generation.Sample s : Generation.run(model, request).samples()) out.add(s.text());
        return out;
    }

    /**
     * The held-out sequences through the active layers: each layer's log-determinant in nats per token, the ELBO's
     * terms in nats per token, and each layer's output |u|.
     */
    private void passes(TarFlowLM flow, Map<String, Double> scalars, Map<String, double[]> histograms) {
        Placement placement = flow.placement();
        Tensor ids = placement.longs(rows, rowCount, context);
        double tokens = ids.numel();
        Tensor eps = new Noise(seed)
                .normal(
                        placement,
                        torch.ScalarType.Double,
                        rowCount,
                        context,
                        flow.encoder().latent());
        TarFlowLM.Elbo elbo = flow.elbo(ids, eps);
        scalars.put("elbo/reconstruction", elbo.reconstruction().sum().item_double() / tokens);
        scalars.put("elbo/entropy", elbo.entropy().sum().item_double() / tokens);
        scalars.put("elbo/prior", elbo.prior().sum().item_double() / tokens);
        scalars.put("elbo/logdet", elbo.logDet().sum().item_double() / tokens);
        Tensor h = Patches.patch(flow.encoder().sample(ids, eps).z(), flow.patch());
        for (int i = 0; i < flow.activeLayers(); i++) {
            Transformed t = flow.layers().get(i).forward(h);
            h = t.value();
            scalars.put("logdet/layer_" + (i + 1), t.logDet().sum().item_double() / tokens);
            histograms.put("abs_u/layer_" + (i + 1), doubles(h.abs()));
        }
    }

    /** A tensor's values, flattened, as doubles (read on the host). */
    static double[] doubles(Tensor t) {
        return Placement.hostDoubles(t);
    }
}
