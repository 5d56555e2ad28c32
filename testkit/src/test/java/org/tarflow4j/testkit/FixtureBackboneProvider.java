package org.tarflow4j.testkit;

import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.api.Options;

/** Creates {@link FixtureBackbone}s; deliberately not declared as a service. */
final class FixtureBackboneProvider implements BackboneProvider {
    static final String[] VARIANTS = {
        "causal", "peeks", "ignores-input", "stale-stepper", "unused-parameter", "nan-far-out", "cached-shift"
    };

    @Override
    public String name() {
        return "fixture-backbone";
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
        return "A linear causal backbone with optional flaws, for testing the harness.";
    }

    @Override
    public Backbone create(Options options, BackboneContext context) {
        return new FixtureBackbone(context.channels(), options.getChoice("variant", "causal", VARIANTS));
    }
}
