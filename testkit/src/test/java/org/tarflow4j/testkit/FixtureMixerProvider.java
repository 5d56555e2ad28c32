package org.tarflow4j.testkit;

import org.tarflow4j.api.ChannelMixer;
import org.tarflow4j.api.MixerContext;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.api.Options;

/** Creates {@link FixtureMixer}s; deliberately not declared as a service. */
final class FixtureMixerProvider implements MixerProvider {
    static final String[] VARIANTS = {
        "lu", "reverse", "wrong-log-det", "mixes-positions", "lossy-inverse", "unused-parameter"
    };

    @Override
    public String name() {
        return "fixture-mixer";
    }

    @Override
    public String version() {
        return "1.0.0";
    }

    @Override
    public String requires() {
        return "^1.0";
    }

    @Override
    public String description() {
        return "A learned triangular channel mixer with optional flaws, for testing the harness.";
    }

    @Override
    public ChannelMixer create(Options options, MixerContext context) {
        return new FixtureMixer(context.channels(), options.getChoice("variant", "lu", VARIANTS));
    }
}
