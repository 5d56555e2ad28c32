package org.tarflow4j.testkit;

import java.util.Map;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.api.Options;

/**
 * One configuration of a channel mixer to run the conformance checks on: a provider, the options it is created with,
 * and the context it is placed in. Build one with {@link #of} and the {@code with…} methods.
 *
 * @param name      shown in the test report
 * @param options   the provider's option table, as a TOML parser would give it ({@code Long}, {@code Double}, …)
 * @param randomStd standard deviation of the random state, in which every parameter is drawn from {@code N(0, std²)}
 *                  (a mixer without parameters is checked in its initial state only)
 */
public record MixerCase(
        String name, MixerProvider provider, Map<String, Object> options, MixerContext context, double randomStd) {
    public static final double DEFAULT_RANDOM_STD = 0.2;

    public MixerCase {
        options = Map.copyOf(options);
        if (!(randomStd > 0)) throw new IllegalArgumentException("randomStd must be positive, is " + randomStd);
        if (context.channels() < 1 || context.tokenChannels() < 1 || context.channels() % context.tokenChannels() != 0)
            throw new IllegalArgumentException(
                    "channels must be a positive multiple of the token channels (the patch size), is " + context);
    }

    /** A case with the provider's default options; {@code channels / tokenChannels} is the patch size. */
    public static MixerCase of(String name, MixerProvider provider, MixerContext context) {
        return new MixerCase(name, provider, Map.of(), context, DEFAULT_RANDOM_STD);
    }

    public MixerCase withOptions(Map<String, ?> newOptions) {
        return new MixerCase(name, provider, Map.copyOf(newOptions), context, randomStd);
    }

    public MixerCase withRandomStd(double std) {
        return new MixerCase(name, provider, options, context, std);
    }

    /**
     * A new mixer from the provider, as the host creates it: its parameters in the dtype the provider made them
     * (float32, typically), while the latents it mixes are float64, so a mixer must compute in the dtype of its input.
     * Fails if the provider left an option unread, as the host would. Call it outside any pointer scope.
     */
    public ChannelMixer create() {
        Options table = Options.of("mixers." + provider.name(), "test case '" + name + "'", options);
        ChannelMixer mixer = provider.create(table, context);
        table.requireAllRead();
        return mixer;
    }

    @Override
    public String toString() {
        return name;
    }
}
