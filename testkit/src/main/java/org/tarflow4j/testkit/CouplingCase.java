package org.tarflow4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.Options;

/**
 * One configuration of a coupling to run the conformance checks on: a provider, the options it is created with,
 * the context it is placed in, and the parameter states to check it in. Build one with {@link #of} and the
 * {@code with…} methods.
 *
 * @param name      shown in the test report
 * @param options   the provider's option table, as a TOML parser would give it ({@code Long}, {@code Double}, …)
 * @param randomStd standard deviation of the random state, in which every parameter is drawn from {@code N(0, std²)}
 * @param extremes  states that push the parameterisation to its limits (tiny scales, a dominant mixture weight, …);
 *                  each is applied on top of the random state
 */
public record CouplingCase(
        String name,
        CouplingProvider provider,
        Map<String, Object> options,
        CouplingContext context,
        double randomStd,
        List<ParameterState> extremes) {
    public static final double DEFAULT_RANDOM_STD = 0.2;

    public CouplingCase {
        options = Map.copyOf(options);
        extremes = List.copyOf(extremes);
        if (!(randomStd > 0)) throw new IllegalArgumentException("randomStd must be positive, is " + randomStd);
    }

    public static CouplingCase of(String name, CouplingProvider provider, CouplingContext context) {
        return new CouplingCase(name, provider, Map.of(), context, DEFAULT_RANDOM_STD, List.of());
    }

    /**
     * A context without codebook; for a coupling tied to the encoder, build the {@link CouplingContext} yourself with
     * a codebook whose tensors are float64 and created outside any pointer scope.
     *
     * <p>This one has {@code channels} per position, {@code tokenChannels} per token, features of width
     * {@code featureWidth} and 16 tokens.
     */
    public static CouplingContext context(int channels, int tokenChannels, int featureWidth) {
        return new CouplingContext(channels, tokenChannels, featureWidth, 16, Optional.empty());
    }

    public CouplingCase withOptions(Map<String, ?> newOptions) {
        return new CouplingCase(name, provider, Map.copyOf(newOptions), context, randomStd, extremes);
    }

    public CouplingCase withRandomStd(double std) {
        return new CouplingCase(name, provider, options, context, std, extremes);
    }

    /** Adds an extreme state; {@code setter} runs after the random state, so it only sets what makes the state extreme. */
    public CouplingCase withExtreme(String stateName, Consumer<Coupling> setter) {
        List<ParameterState> more = new ArrayList<>(extremes);
        more.add(new ParameterState(stateName, setter));
        return new CouplingCase(name, provider, options, context, randomStd, more);
    }

    /**
     * A new coupling from the provider, its floating-point parameters and buffers converted to float64 (integer buffers
     * stay as they are, see {@link Parameters#toFloating}). Fails if the provider left an option unread, as the
     * host would. Call it outside any pointer scope.
     */
    public Coupling create() {
        Options table = Options.of("couplings." + provider.name(), "test case '" + name + "'", options);
        Coupling coupling = provider.create(table, context);
        table.requireAllRead();
        Parameters.toFloating(coupling.module(), torch.ScalarType.Double);
        return coupling;
    }

    public ParameterState randomState() {
        return ParameterState.random(randomStd);
    }

    /** The states every check runs in: initial, random, then each extreme on top of random. */
    public List<ParameterState> states() {
        List<ParameterState> states = new ArrayList<>(List.of(ParameterState.initial(), randomState()));
        for (ParameterState extreme : extremes) states.add(randomState().then(extreme));
        return states;
    }

    @Override
    public String toString() {
        return name;
    }
}
