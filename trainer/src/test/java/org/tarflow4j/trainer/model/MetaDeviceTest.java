package org.tarflow4j.trainer.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Placement;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.core.plugin.ComponentKind;

/**
 * libtorch's meta device stands in for a GPU on the CPU: meta tensors have shapes but no data, and an operation that
 * mixes one with a CPU tensor fails ("Expected all tensors to be on the same device"), as a CUDA tensor meeting a CPU
 * one does. Only what libtorch's C++ build has meta kernels for can run on it: {@code where}, {@code flip},
 * {@code logsumexp}, {@code layer_norm}, scaled dot-product attention and {@code index_select} have none (Python's
 * PyTorch registers them in Python), so the transformer backbone, the mixture couplings, the encoder and the tied
 * decoder cannot run on meta, and the device discipline of their code rests on {@code DeviceDisciplineTest} and
 * {@link HeldTensorsTest}. What can run does: a flow layer with the affine coupling, forward, backward and inverse.
 */
class MetaDeviceTest {
    private static final String MISSING = "no fake impl or Meta kernel registered";

    /** What libtorch can and cannot compute on meta, for the operations the model uses; a change here widens the test. */
    @Test
    void libtorchRunsOnlySomeOfTheModelsOperationsOnMeta() {
        Map<String, Function<Tensor, Tensor>> ops = new LinkedHashMap<>();
        ops.put("linear", x -> torch.linear(x, x.narrow(0, 0, 1).squeeze(0)));
        ops.put("gelu", torch::gelu);
        ops.put("log_softmax", x -> torch.log_softmax(x, 2));
        ops.put("special_log_ndtr", torch::special_log_ndtr);
        ops.put(
                "gather",
                x -> x.gather(2, torch.zeros(new long[] {2, 3, 1}, Placement.META.options(torch.ScalarType.Long))));
        ops.put("cat", x -> torch.cat(new TensorVector(x, x), 1));
        ops.put("where", x -> torch.where(x.gt(new Scalar(0.0)), x, x.neg()));
        ops.put("flip", x -> x.flip(1));
        ops.put("logsumexp", x -> x.logsumexp(new long[] {2}, false));
        ops.put("layer_norm", x -> torch.layer_norm(x, new long[] {4}));
        ops.put(
                "index_select",
                x -> x.index_select(1, torch.zeros(new long[] {2}, Placement.META.options(torch.ScalarType.Long))));
        ops.put(
                "scaled_dot_product_attention",
                x -> torch.scaled_dot_product_attention(
                        x.unsqueeze(1),
                        x.unsqueeze(1),
                        x.unsqueeze(1),
                        new TensorOptional(),
                        0.0,
                        true,
                        new DoubleOptional(),
                        false));
        List<String> run = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Function<Tensor, Tensor>> op : ops.entrySet()) {
            try (PointerScope s = new PointerScope()) {
                Tensor x = torch.randn(new long[] {2, 3, 4}, Placement.META.options())
                        .requires_grad_(true);
                op.getValue().apply(x).sum().backward();
                run.add(op.getKey());
            } catch (RuntimeException e) {
                assertTrue(e.getMessage().contains(MISSING), op.getKey() + ": " + e.getMessage());
                missing.add(op.getKey());
            }
        }
        assertEquals(List.of("linear", "gelu", "log_softmax", "special_log_ndtr", "gather", "cat"), run);
        assertEquals(
                List.of("where", "flip", "logsumexp", "layer_norm", "index_select", "scaled_dot_product_attention"),
                missing);
    }

    /** A mixed device is caught on meta, with libtorch's own words. */
    @Test
    void aCpuTensorMeetingAMetaOneFails() {
        try (PointerScope s = new PointerScope()) {
            Tensor meta = torch.ones(new long[] {3}, Placement.META.options());
            Tensor cpu = torch.ones(new long[] {3}, Placement.CPU.options());
            RuntimeException e =
                    org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> meta.add(cpu));
            assertTrue(e.getMessage().contains("Expected all tensors to be on the same device"), e.getMessage());
        }
    }

    /**
     * A left-to-right flow layer with the built-in affine coupling and identity mixer over a causal backbone made of
     * operations meta has: forward (coupling, log-determinant, mixer), backward to every parameter, and the inverse
     * position by position with the backbone's stepper, all on meta.
     */
    @Test
    void anAffineFlowLayerRunsForwardBackwardAndInverseOnMeta() {
        int channels = 4;
        int width = 8;
        Coupling coupling = ((CouplingProvider) TinyModels.REGISTRY
                        .find(ComponentKind.COUPLING, "affine")
                        .provider())
                .create(
                        Options.empty("couplings.affine"),
                        new CouplingContext(channels, 2, width, 27, Optional.empty(), Placement.META));
        ChannelMixer mixer = ((MixerProvider) TinyModels.REGISTRY
                        .find(ComponentKind.MIXER, "identity")
                        .provider())
                .create(Options.empty("mixers.identity"), new MixerContext(channels, 2, Placement.META));
        FlowLayer layer = new FlowLayer(new Shifted(channels, width), coupling, mixer, true, 5);
        MetaMirror mirror = MetaMirror.of(layer);
        assertEquals(List.of(), mirror.closed(), "fields the mirror could not reach");
        assertTrue(
                mirror.leaves().size() >= 4,
                "parameters mirrored: " + mirror.leaves().keySet());
        try (PointerScope s = new PointerScope()) {
            Tensor x = new Noise(1).normal(Placement.META, torch.ScalarType.Double, 2, 5, channels);
            Transformed t = layer.forward(x);
            assertTrue(t.value().is_meta() && t.logDet().is_meta());
            assertEquals(List.of(2L, 5L), List.of(t.logDet().size(0), t.logDet().size(1)));
            t.value().square().sum().add(t.logDet().sum()).backward();
            assertEquals(List.of(), mirror.withoutGradient(), "parameters the meta backward pass did not reach");
            Tensor back = layer.inverse(t.value().detach());
            assertTrue(back.is_meta());
            assertEquals(List.of(2L, 5L, (long) channels), List.of(back.size(0), back.size(1), back.size(2)));
        }
    }

    /**
     * Mix-d's token predictor (the tied decoder's counterpart of its layer) makes its log-probabilities where the
     * features are, also with a one-token vocabulary, where it has no head and used to make them on the CPU.
     */
    @Test
    void mixDsTokenPredictionsAreMadeOnTheFeaturesDevice() {
        for (int vocab : new int[] {1, 5}) {
            Coupling coupling = ((CouplingProvider) TinyModels.REGISTRY
                            .find(ComponentKind.COUPLING, "rosenblatt")
                            .provider())
                    .create(
                            Options.empty("couplings.rosenblatt"),
                            new CouplingContext(2, 2, 8, vocab, Optional.empty(), Placement.META));
            MetaMirror mirror = MetaMirror.of(coupling);
            assertEquals(List.of(), mirror.closed());
            try (PointerScope s = new PointerScope()) {
                Tensor features = torch.randn(new long[] {3, 4, 8}, Placement.META.options());
                Tensor logProbs = ((org.tarflow4j.api.TokenPredictor) coupling).tokenLogProbs(features);
                assertTrue(
                        logProbs.is_meta(),
                        "V = " + vocab + ": on " + logProbs.device().str().getString());
                assertEquals(
                        List.of(3L, 4L, 1L, (long) vocab),
                        List.of(logProbs.sizes().vec().get()[0], logProbs.size(1), logProbs.size(2), logProbs.size(3)));
            }
        }
    }

    /**
     * A causal backbone of operations the meta device has: the features of position t are {@code gelu(W x_{t−1})},
     * a learned start at position 0.
     */
    static final class Shifted extends Module implements Backbone {
        final LinearImpl projection;
        final Tensor start;
        final int width;

        Shifted(int channels, int width) {
            this.width = width;
            projection = register_module("projection", new LinearImpl(channels, width));
            start = torch.randn(new long[] {width}, Placement.CPU.options());
            register_parameter("start", start);
        }

        @Override
        public Tensor forward(Tensor x) {
            long b = x.size(0), t = x.size(1);
            Tensor first = start.expand(b, 1, width);
            if (t == 1) return first;
            return torch.cat(
                    new TensorVector(
                            first,
                            torch.gelu(projection.forward(x.narrow(1, 0, t - 1).to(start.scalar_type())))),
                    1);
        }

        @Override
        public int featureWidth() {
            return width;
        }

        @Override
        public Stepper stepper(long batch) {
            return new Stepper() {
                Tensor last;
                long position;

                @Override
                public Tensor next() {
                    return last == null
                            ? start.expand(batch, 1, width)
                            : torch.gelu(projection.forward(last.to(start.scalar_type())));
                }

                @Override
                public void accept(Tensor x) {
                    if (last != null) last.releaseReference();
                    last = x.retainReference();
                    position++;
                }

                @Override
                public long position() {
                    return position;
                }

                @Override
                public void close() {
                    if (last != null) last.releaseReference();
                }
            };
        }

        @Override
        public Module module() {
            return this;
        }
    }
}
