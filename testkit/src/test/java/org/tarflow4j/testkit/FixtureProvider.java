package org.tarflow4j.testkit;

import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.Options;

/** Creates {@link FixtureCoupling}s; deliberately not declared as a service. */
final class FixtureProvider implements CouplingProvider {
    static final String[] VARIANTS = {
        "diagonal",
        "triangular",
        "wrong-log-det",
        "mixes-channels",
        "not-lower-triangular",
        "mixes-positions",
        "lossy-inverse",
        "unconverged",
        "unused-parameter",
        "nan-far-out",
        "cached-scale"
    };

    @Override
    public String name() {
        return "fixture";
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
        return "Affine coupling with optional flaws, for testing the harness.";
    }

    @Override
    public Coupling create(Options options, CouplingContext context) {
        String variant = options.getChoice("variant", "diagonal", VARIANTS);
        return new FixtureCoupling(context.channels(), context.featureWidth(), variant);
    }
}
