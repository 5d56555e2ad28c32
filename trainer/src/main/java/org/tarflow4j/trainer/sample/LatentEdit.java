package org.tarflow4j.trainer.sample;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.Noise;
import org.tarflow4j.trainer.model.TarFlowLM;

/**
 * Editing in latent space: a text is encoded to its latents {@code h_0 … h_L}, the latent at one layer is changed,
 * and the layers below it map the change back to tokens. Layer 0 is {@code z} (one latent per token, decoded
 * directly), layer L the noise {@code u}: the higher the layer, the more of the stack turns the change into text.
 */
public final class LatentEdit {
    private LatentEdit() {}

    /** The latent edits change by default: the noise {@code u}, after the last layer. */
    public static int noiseLayer(LoadedModel trained) {
        return trained.flow("editing").activeLayers();
    }

    /**
     * Resamples the tokens {@code [from, to)} of {@code text} at {@code layer} and keeps the latent everywhere else.
     * The new values are those of fresh samples of the model at that layer: noise {@code N(0, T² I)} at layer L,
     * below it that noise mapped down through the layers above {@code layer}.
     *
     * @return {@code num} edited texts
     */
    public static List<String> resample(
            LoadedModel trained,
            String text,
            int layer,
            int from,
            int to,
            int num,
            double temperature,
            long seed,
            Inversion how) {
        TarFlowLM model = trained.flow("editing");
        int[] ids = trained.sequence(text, "--text");
        checkLayer(layer, model);
        int p = model.patch();
        if (from < 0 || to > ids.length || from >= to)
            throw new TarflowException("--span " + from + ":" + to + " is not a span of the text's " + ids.length
                    + " tokens; give START:END with 0 <= START < END <= " + ids.length);
        if (from % p != 0 || to % p != 0)
            throw new TarflowException("--span " + from + ":" + to + " cuts a patch: with patch size " + p
                    + " a latent position holds " + p + " tokens, so START and END must be multiples of " + p);
        if (num < 1) throw new TarflowException("--num is " + num + "; ask for at least one edit");
        try (PointerScope scope = new PointerScope()) {
            FlowSampler sampler = new FlowSampler(model, new Noise(seed));
            Tensor h = sampler.latents(sampler.encode(Generation.tensor(trained, ids)))
                    .get(layer)
                    .expand(num, -1, -1);
            Tensor fresh = sampler.noise(num, h.size(1), temperature);
            fresh = sampler.down(fresh, sampler.depth(), layer, how);
            Tensor edited = splice(h, fresh, from / p, to / p);
            return texts(trained, sampler, sampler.invert(edited, layer, how));
        }
    }

    /**
     * Walks from {@code source} to {@code target} at {@code layer} in {@code steps} texts, both ends included:
     * spherically at the noise layer (where a straight line would pass through atypically short noise), along a
     * straight line below it.
     */
    public static List<String> interpolate(
            LoadedModel trained, String source, String target, int layer, int steps, Inversion how) {
        TarFlowLM model = trained.flow("interpolation");
        int[] a = trained.sequence(source, "--from");
        int[] b = trained.sequence(target, "--to");
        if (a.length != b.length)
            throw new TarflowException("--from has " + a.length + " tokens and --to has " + b.length
                    + "; interpolation needs texts of the same length (pad the shorter one with spaces)");
        checkLayer(layer, model);
        if (steps < 2) throw new TarflowException("--steps is " + steps + "; give at least 2 (the two ends)");
        try (PointerScope scope = new PointerScope()) {
            FlowSampler sampler = new FlowSampler(model);
            Tensor ha = sampler.latents(sampler.encode(Generation.tensor(trained, a)))
                    .get(layer);
            Tensor hb = sampler.latents(sampler.encode(Generation.tensor(trained, b)))
                    .get(layer);
            TensorVector path = new TensorVector();
            for (int i = 0; i < steps; i++) {
                double t = i / (double) (steps - 1);
                path.push_back(layer == sampler.depth() ? slerp(ha, hb, t) : lerp(ha, hb, t));
            }
            return texts(trained, sampler, sampler.invert(torch.cat(path, 0), layer, how));
        }
    }

    /** {@code START:END} as two token positions. */
    public static int[] span(String text) {
        String[] parts = text.split(":", -1);
        try {
            if (parts.length == 2)
                return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TarflowException("--span '" + text + "' is not START:END (token positions, END excluded), e.g. 4:8");
    }

    /** {@code h} with positions {@code [from, to)} taken from {@code fresh}. */
    static Tensor splice(Tensor h, Tensor fresh, long from, long to) {
        return torch.cat(
                new TensorVector(
                        h.narrow(1, 0, from), fresh.narrow(1, from, to - from), h.narrow(1, to, h.size(1) - to)),
                1);
    }

    static Tensor lerp(Tensor a, Tensor b, double t) {
        return a.mul(new Scalar(1 - t)).add(b.mul(new Scalar(t)));
    }

    /** Great-circle interpolation of whole sequences, with their norms interpolated linearly. */
    static Tensor slerp(Tensor a, Tensor b, double t) {
        double na = a.norm().item_double();
        double nb = b.norm().item_double();
        double cos = Math.max(-1, Math.min(1, a.mul(b).sum().item_double() / (na * nb)));
        double omega = Math.acos(cos);
        if (omega < 1e-9) return lerp(a, b, t);
        double s = Math.sin(omega);
        Tensor direction = a.div(new Scalar(na))
                .mul(new Scalar(Math.sin((1 - t) * omega) / s))
                .add(b.div(new Scalar(nb)).mul(new Scalar(Math.sin(t * omega) / s)));
        return direction.mul(new Scalar((1 - t) * na + t * nb));
    }

    private static void checkLayer(int layer, TarFlowLM model) {
        if (layer < 0 || layer > model.activeLayers())
            throw new TarflowException("--layer " + layer + " is out of range: this model has " + model.activeLayers()
                    + " flow layers, so latents 0 (z, next to the data) to " + model.activeLayers()
                    + " (u, the noise)");
    }

    private static List<String> texts(LoadedModel trained, FlowSampler sampler, Tensor z) {
        List<String> out = new ArrayList<>();
        for (int[] row : Generation.rows(sampler.decode(z, false))) out.add(trained.text(row));
        return out;
    }
}
