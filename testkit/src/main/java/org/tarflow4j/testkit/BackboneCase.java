package org.tarflow4j.testkit;

import java.util.Map;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.api.Options;

/**
 * One configuration of a backbone to run the conformance checks on: a provider, the options it is created with, and
 * the context it is placed in. Build one with {@link #of} and the {@code with…} methods.
 *
 * @param name      shown in the test report
 * @param options   the provider's option table, as a TOML parser would give it ({@code Long}, {@code Double}, …)
 * @param randomStd standard deviation of the random state, in which every parameter is drawn from {@code N(0, std²)}
 */
public record BackboneCase(
        String name,
        BackboneProvider provider,
        Map<String, Object> options,
        BackboneContext context,
        double randomStd) {
    public static final double DEFAULT_RANDOM_STD = 0.2;

    public BackboneCase {
        options = Map.copyOf(options);
        if (!(randomStd > 0)) throw new IllegalArgumentException("randomStd must be positive, is " + randomStd);
        if (context.positions() < 2)
            throw new IllegalArgumentException("the checks need a context of at least 2 positions, is " + context);
    }

    /** A case with the provider's default options; keep the context small (a few channels, up to 12 positions). */
    public static BackboneCase of(String name, BackboneProvider provider, BackboneContext context) {
        return new BackboneCase(name, provider, Map.of(), context, DEFAULT_RANDOM_STD);
    }

    public BackboneCase withOptions(Map<String, ?> newOptions) {
        return new BackboneCase(name, provider, Map.copyOf(newOptions), context, randomStd);
    }

    public BackboneCase withRandomStd(double std) {
        return new BackboneCase(name, provider, options, context, std);
    }

    /**
     * A new backbone from the provider, in training mode as the host creates it, its floating-point parameters and
     * buffers converted to {@code dtype} ({@link Parameters#toFloating}). Fails if the provider left an option unread,
     * as the host would. Call it outside any pointer scope.
     */
    public Backbone create(torch.ScalarType dtype) {
        Options table = Options.of("backbones." + provider.name(), "test case '" + name + "'", options);
        Backbone backbone = provider.create(table, context);
        table.requireAllRead();
        Parameters.toFloating(backbone.module(), dtype);
        return backbone;
    }

    @Override
    public String toString() {
        return name;
    }
}
