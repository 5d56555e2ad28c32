package org.tarflow4j.trainer.sample;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.trainer.model.FlowLayer;
import org.tarflow4j.trainer.model.Noise;
import org.tarflow4j.trainer.model.Patches;
import org.tarflow4j.trainer.model.TarFlowLM;
import org.tarflow4j.trainer.model.TiedDecoder;

/**
 * Generation with a TarFlowLM in tensors: noise {@code u ~ N(0, T² I)} is mapped back through the active layers,
 * last to first, to the token latents {@code z}, which the tied decoder turns into tokens. Latents are numbered as
 * in the paper's multi-pass view: {@code h_0 = patch(z)} next to the data, {@code h_L = u} the noise. Without
 * gradients; call inside a pointer scope.
 */
public final class FlowSampler {
    private final TarFlowLM model;
    private final Noise noise;
    private final List<FlowLayer.JacobiReport> jacobi = new ArrayList<>();

    /** A sampler that only maps latents (it draws no noise). */
    public FlowSampler(TarFlowLM model) {
        this(model, null);
    }

    /** A sampler that draws its noise and tokens from {@code noise}. */
    public FlowSampler(TarFlowLM model, Noise noise) {
        this.model = model;
        this.noise = noise;
    }

    public TarFlowLM model() {
        return model;
    }

    /** The number of active layers, L. */
    public int depth() {
        return model.activeLayers();
    }

    /** True when every active layer runs left to right, so that a prefix fixes the prefix of every latent. */
    public boolean leftToRight() {
        return model.layers().subList(0, depth()).stream().allMatch(FlowLayer::leftToRight);
    }

    /** {@code u ~ N(0, T² I)}: {@code [B, N, P·d]} in float64, on the model's device. */
    public Tensor noise(long batch, long positions, double temperature) {
        long channels = (long) model.patch() * model.encoder().latent();
        return noise().normal(model.placement(), torch.ScalarType.Double, batch, positions, channels)
                .mul(new Scalar(temperature));
    }

    private Noise noise() {
        if (noise == null) throw new IllegalStateException("this sampler was made without noise to draw from");
        return noise;
    }

    /** {@code z [B, T, d]} from the noise {@code u = h_L}. */
    public Tensor sample(Tensor u, Inversion how) {
        return invert(u, depth(), how);
    }

    /** {@code z [B, T, d]} from the latent {@code h} at {@code layer} (0..L), through the layers below it. */
    public Tensor invert(Tensor h, int layer, Inversion how) {
        jacobi.clear();
        return Patches.unpatch(down(h, layer, 0, how), model.patch());
    }

    /** The latent at layer {@code to} from the latent {@code h} at the higher layer {@code from}. */
    public Tensor down(Tensor h, int from, int to, Inversion how) {
        for (int i = from - 1; i >= to; i--) h = invertLayer(i, h.narrow(1, 0, 0), h, how);
        return h;
    }

    /**
     * Continues the prompt's latents {@code promptZ [B, p, d]} (p a multiple of the patch) exactly, for stacks
     * whose layers all run left to right: the prompt's latents fix the first positions of every layer's latent,
     * and each layer inverts the positions after them from {@code u [B, N, P·d]} (whose first positions are
     * ignored).
     */
    public Tensor continuePrompt(Tensor promptZ, Tensor u, Inversion how) {
        if (!leftToRight()) throw new IllegalStateException("exact continuation needs every layer left to right");
        List<Tensor> prompt = latents(promptZ);
        jacobi.clear();
        Tensor h = u;
        for (int i = depth() - 1; i >= 0; i--) h = invertLayer(i, prompt.get(i), h, how);
        return Patches.unpatch(h, model.patch());
    }

    /**
     * Continues the prompt's latents {@code promptZ [B, p, d]} with any stack, by iterative refinement: the first
     * round inverts {@code eps} as it is; every further round clamps the prompt's latents into the data-side
     * latents of the round before, encodes the result, and inverts the noise made of that encoding at the prompt's
     * positions and {@code eps} at all others. A fixed point is a sequence whose noise after the prompt is
     * {@code eps} and whose prompt positions encode the prompt, which for left-to-right stacks is exactly the
     * continuation of {@link #continuePrompt}. Stops when the decoded tokens no longer change and their prefix is
     * the prompt, or after {@code rounds} rounds. The latents returned are those of the last inversion, not
     * clamped, so their prefix shows how well the prompt was kept.
     */
    public Refinement refinePrompt(Tensor promptZ, Tensor eps, Inversion how, int rounds) {
        long p = promptZ.size(1);
        long positions = p / model.patch();
        Tensor prompt = argmax(promptZ);
        Tensor u = eps;
        Tensor before = null;
        for (int round = 1; ; round++) {
            Tensor z = sample(u, how);
            Tensor ids = argmax(z);
            boolean settled = before != null && torch.equal(ids, before) && torch.equal(ids.narrow(1, 0, p), prompt);
            if (settled || round >= rounds) return new Refinement(z, round, settled);
            before = ids;
            Tensor clamped = torch.cat(new TensorVector(promptZ, z.narrow(1, p, z.size(1) - p)), 1);
            List<Tensor> h = latents(clamped);
            Tensor encoded = h.get(h.size() - 1);
            u = torch.cat(
                    new TensorVector(
                            encoded.narrow(1, 0, positions), eps.narrow(1, positions, eps.size(1) - positions)),
                    1);
        }
    }

    /**
     * @param rounds  inversions made
     * @param settled the decoded tokens stopped changing with the prompt as their prefix
     */
    public record Refinement(Tensor z, int rounds, boolean settled) {}

    /** The latents of tokens {@code ids [B, T]}: their encoder means, {@code [B, T, d]} in float64. */
    public Tensor encode(Tensor ids) {
        Tensor means = model.encoder().means();
        try (NoGradGuard ignored = new NoGradGuard()) {
            return means.index_select(0, ids.flatten()).view(ids.size(0), ids.size(1), means.size(1));
        }
    }

    /** {@code h_0 = patch(z), h_1, …, h_L}. */
    public List<Tensor> latents(Tensor z) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            return model.latents(z);
        }
    }

    /** Tokens {@code [B, T]} of latents {@code z [B, T, d]}: the tied decoder's most probable, or a draw from it. */
    public Tensor decode(Tensor z, boolean draw) {
        if (!draw) return argmax(z);
        return TiedDecoder.draw(model.encoder(), z, probs -> noise().categorical(probs));
    }

    /**
     * Sweeps of every layer of the last Jacobi inversion, from the noise side down; a layer the selective schedule
     * stepped shows no sweeps and all its positions stepped.
     */
    public List<FlowLayer.JacobiReport> lastJacobi() {
        return List.copyOf(jacobi);
    }

    private Tensor argmax(Tensor z) {
        try (NoGradGuard ignored = new NoGradGuard()) {
            return TiedDecoder.argmax(model.encoder(), z);
        }
    }

    private Tensor invertLayer(int i, Tensor prefix, Tensor h, Inversion how) {
        FlowLayer layer = model.layers().get(i);
        if (!how.jacobiAt(i)) {
            Tensor x = prefix.size(1) == 0 ? layer.inverse(h) : layer.inverseAfter(prefix, h);
            if (how.jacobi()) jacobi.add(new FlowLayer.JacobiReport(0, h.size(1) - prefix.size(1)));
            return x;
        }
        Tensor x = layer.inverseJacobi(prefix, h, how.block(), how.tolerance(), how.maxSweeps());
        jacobi.add(layer.lastJacobi());
        return x;
    }
}
