package org.tarflow4j.coupling.rosenblatt;

import com.google.auto.service.AutoService;
import java.util.List;
import org.tarflow4j.api.Codebook;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.numerics.DensityDtype;
import org.tarflow4j.api.numerics.MixtureSolver;

/**
 * {@code coupling = "rosenblatt"} (Mix-d). Options: {@code tie_to_encoder} (use the encoder's codebook as the
 * components, default false); for an own codebook {@code init_mean_std} (default 0.5) and {@code init_scale}
 * (default √0.75, so each coordinate starts with unit variance); {@code inverse_tolerance} (log-probability residual and
 * relative Newton step, default 1e-13) and {@code inverse_max_iterations} (default 100); {@code density_dtype}
 * ({@code "float64"}, the default, or {@code "float32"}); {@code lean} (default true: chunks of positions recomputed in
 * the backward pass, so memory does not grow with d; false keeps the whole graph, the straightforward reference) and
 * {@code chunk_megabytes} (working memory of one chunk on the lean path, default 256); {@code patch_autoregressive}
 * (default false: with patches, the tokens of a patch are independent given the features; true adds a
 * {@link PatchAutoregressiveHead}, so each token's weights also see the tokens before it in its patch; no effect without
 * patches).
 */
@AutoService(CouplingProvider.class)
public final class RosenblattCouplingProvider implements CouplingProvider {
    @Override
    public String name() {
        return "rosenblatt";
    }

    @Override
    public String version() {
        return "1.4.0";
    }

    /** The paper's name (and its sweep tables'). */
    @Override
    public List<String> aliases() {
        return List.of("Mix-d");
    }

    /** Its lean path's hand-written backward pass reads {@code api.numerics} of API 1.6 (the far tail's bound). */
    @Override
    public String requires() {
        return "^1.6";
    }

    @Override
    public String description() {
        return "Mix-d: d-dimensional isotropic Gaussian-mixture Rosenblatt coupling over a codebook, own or tied to the encoder";
    }

    @Override
    public Coupling create(Options options, CouplingContext context) {
        boolean tie = options.getBoolean("tie_to_encoder", false);
        Codebook tied = null;
        RosenblattCoupling.CodebookInit init = null;
        if (tie) {
            for (String key : new String[] {"init_mean_std", "init_scale"})
                if (options.has(key))
                    throw options.invalid(key, "only applies to an own codebook, but tie_to_encoder = true");
            tied = context.codebook()
                    .orElseThrow(
                            () -> options.invalid(
                                    "tie_to_encoder",
                                    "is true, but this layer has no encoder codebook to tie to (only a layer the model offers the codebook to can tie; set tie_to_encoder = false)"));
            checkShape(tied, context);
        } else {
            init = new RosenblattCoupling.CodebookInit(
                    options.getDouble("init_mean_std", 0.5, 0.0, 1e3),
                    options.getDouble("init_scale", Math.sqrt(0.75), 1e-4, 1e3));
        }
        double tolerance = options.getDouble("inverse_tolerance", MixtureSolver.DEFAULT.tolerance(), 1e-15, 1e-3);
        int iterations = options.getInt("inverse_max_iterations", MixtureSolver.DEFAULT.maxIterations(), 1, 10_000);
        DensityDtype density = DensityDtype.read(options);
        boolean lean = options.getBoolean("lean", true);
        if (!lean && options.has("chunk_megabytes"))
            throw options.invalid("chunk_megabytes", "only applies with lean = true");
        double megabytes = lean ? options.getDouble("chunk_megabytes", 256.0, 1e-6, 1e6) : 0;
        return new RosenblattCoupling(
                context.patch(),
                context.tokenChannels(),
                context.vocabSize(),
                context.featureWidth(),
                tied,
                init,
                new MixtureSolver(tolerance, iterations),
                density,
                lean,
                (long) (megabytes * (1 << 20)),
                options.getBoolean("patch_autoregressive", false));
    }

    private static void checkShape(Codebook codebook, CouplingContext context) {
        long v = context.vocabSize();
        long d = context.tokenChannels();
        boolean ok = codebook.means().dim() == 2
                && codebook.means().size(0) == v
                && codebook.means().size(1) == d
                && codebook.logScales().dim() == 1
                && codebook.logScales().size(0) == v;
        if (!ok)
            throw new IllegalArgumentException("the encoder codebook must have means [" + v + ", " + d
                    + "] and log-scales [" + v + "] to match vocabSize and tokenChannels of the coupling context");
    }
}
