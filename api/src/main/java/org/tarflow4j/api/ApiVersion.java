package org.tarflow4j.api;

/** The version of these interfaces (Semantic Versioning). Providers state the range they accept in {@link Provider#requires()}. */
public final class ApiVersion {
    /**
     * Minor releases only add (default methods, new records); a major release may break providers. 1.1.0 added
     * {@link Component} (a component's module and which of its parameters take weight decay),
     * {@link Backbone#forwardFlops}, and in {@code api.numerics} the density dtype ({@code DensityDtype}), chunked
     * recomputation in the backward pass ({@code RecomputedRows}), loop-scoped tensors ({@code Carried}) and
     * {@code GaussianMixture1d.toNormalAndPosterior}.
     * 1.2.0 added {@link Placement} and the placement of every component context, {@link Provider#aliases()} (other
     * names a configuration may use, such as the paper's) and
     * {@link Options#of(String, String, java.util.Map, java.util.Map)} (a source per key), and
     * {@link Backbone#forward(org.bytedeco.pytorch.Tensor, long)} and {@link Backbone#stepper(long, long)} (sequences
     * placed at an offset, for right-to-left layers on sequences shorter than the context).
     * 1.3.0 added {@link Coupling#trainingBytes} and {@link Backbone#trainingBytes} (working memory of a training step,
     * for the host's memory estimate).
     * 1.4.0 added {@code MixtureSolver.Mode.HOST} (small float64 solves iterated in plain Java, what
     * {@code Mode.AUTO} now picks for them on the CPU) and {@code MixtureSolver.modeFor(GaussianMixture1d, Tensor)}, {@code onHost} and {@code solveOnHost} (a chain of small
     * solves kept on the host).
     * 1.5.0 added hand-written backward passes to {@code RecomputedRows} ({@code RowGradient}), and in {@code api.numerics}
     * what they need: {@code Normal.logCdfAndSlope} and {@code Normal.lowerQuantileSlope}, {@code Normal.logCdfClamped},
     * {@code complete} and {@code Clamped} (a far tail skipped where it cannot matter), {@code GaussianMixture1d.joint}
     * and {@code standardize}, and the side, log tail probability and log density in
     * {@code GaussianMixture1d.Conditioned} (its constructor takes them: construct it only through
     * {@code toNormalAndPosterior}).
     * 1.6.0 added {@code Normal.Clamped.negligibleBelow} (a far tail skipped by a bound, without a pass over it).
     */
    public static final String CURRENT = "1.6.0";

    private ApiVersion() {}
}
