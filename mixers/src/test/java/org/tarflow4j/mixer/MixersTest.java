package org.tarflow4j.mixer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Transformed;

class MixersTest {
    private static Tensor x(int channels) {
        torch.manual_seed(channels);
        return torch.randn(new long[] {2, 3, channels}, new TensorOptions(torch.ScalarType.Double));
    }

    /** Even-odd puts channels 0, 2, 4, … first; its inverse undoes it exactly; the log-det is 0. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 8})
    void evenOddIsAnExactPermutation(int channels) {
        ChannelMixer m =
                new EvenOddMixerProvider().create(Options.empty("mixers.even-odd"), new MixerContext(channels, 1));
        try (PointerScope s = new PointerScope()) {
            Tensor x = x(channels);
            Transformed y = m.forward(x);
            for (int i = 0; i < channels; i++) {
                int source = i < (channels + 1) / 2 ? 2 * i : 2 * (i - (channels + 1) / 2) + 1;
                assertEquals(
                        0.0,
                        y.value()
                                .select(2, i)
                                .sub(x.select(2, source))
                                .abs()
                                .max()
                                .item_double(),
                        0.0,
                        "channel " + i);
            }
            assertEquals(0.0, m.inverse(y.value()).sub(x).abs().max().item_double(), 0.0);
            assertEquals(List.of(2L, 3L), List.of(y.logDet().size(0), y.logDet().size(1)));
            assertEquals(0.0, y.logDet().abs().max().item_double(), 0.0);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void identityLeavesChannels(int channels) {
        ChannelMixer m = new IdentityMixerProvider()
                .create(Options.of("mixers.identity", "test", Map.of()), new MixerContext(channels, 1));
        try (PointerScope s = new PointerScope()) {
            Tensor x = x(channels);
            Transformed y = m.forward(x);
            assertEquals(0.0, y.value().sub(x).abs().max().item_double(), 0.0);
            assertEquals(0.0, m.inverse(x).sub(x).abs().max().item_double(), 0.0);
            assertEquals(0.0, y.logDet().abs().max().item_double(), 0.0);
        }
    }
}
