package org.tarflow4j.mixer;

import com.google.auto.service.AutoService;
import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.api.Options;

@AutoService(MixerProvider.class)
public final class IdentityMixerProvider implements MixerProvider {
    @Override
    public String name() {
        return "identity";
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
        return "Leaves the channels as they are.";
    }

    @Override
    public ChannelMixer create(Options options, MixerContext context) {
        return new IdentityMixer();
    }
}
