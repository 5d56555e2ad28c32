package org.tarflow4j.mixer;

import com.google.auto.service.AutoService;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.api.Options;

@AutoService(MixerProvider.class)
public final class EvenOddMixerProvider implements MixerProvider {
    @Override
    public String name() {
        return "even-odd";
    }

    @Override
    public String version() {
        return "1.1.0";
    }

    @Override
    public String requires() {
        return "^1.2";
    }

    @Override
    public String description() {
        return "Reorders each position's channels even-first, odd-second (a permutation, log-det 0).";
    }

    @Override
    public ChannelMixer create(Options options, MixerContext context) {
        return new EvenOddMixer(context.channels());
    }
}
