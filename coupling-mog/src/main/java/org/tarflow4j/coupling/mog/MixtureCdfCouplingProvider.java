package org.tarflow4j.coupling.mog;

import com.google.auto.service.AutoService;
import java.util.List;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.numerics.DensityDtype;
import org.tarflow4j.api.numerics.MixtureSolver;

/**
 * {@code coupling = "mog"} (Mix-1). Options: {@code mixtures} (K, default 27), {@code channel_autoregressive}
 * (default true where a position has at least 2 channels: each channel's mixture is also conditioned on the position's
 * earlier channels by a masked MLP, the MAF head of the paper's Mix-1 after Categorical Normalizing Flows; false makes
 * the channels independent given the features), {@code hidden_width} (of the masked MLP, default 128, only with
 * channel_autoregressive),
 * {@code min_log_scale} / {@code max_log_scale} (bounds of log σ, default −10 / 5), {@code inverse_tolerance}
 * (log-probability residual and relative Newton step, default 1e-13), {@code inverse_max_iterations} (default 100),
 * {@code density_dtype} ({@code "float64"}, the default, or {@code "float32"}).
 */
@AutoService(CouplingProvider.class)
public final class MixtureCdfCouplingProvider implements CouplingProvider {
    @Override
    public String name() {
        return "mog";
    }

    @Override
    public String version() {
        return "2.0.0";
    }

    /** The paper's name (and its sweep tables'). */
    @Override
    public List<String> aliases() {
        return List.of("Mix-1");
    }

    @Override
    public String requires() {
        return "^1.2";
    }

    @Override
    public String description() {
        return "Mix-1: per-channel K-component Gaussian-mixture CDF coupling, channel-autoregressive (MADE head) unless channel_autoregressive = false";
    }

    @Override
    public Coupling create(Options options, CouplingContext context) {
        int mixtures = options.getInt("mixtures", 27, 1, 4096);
        boolean autoregressive = options.getBoolean("channel_autoregressive", context.channels() >= 2);
        if (autoregressive && context.channels() < 2)
            throw options.invalid(
                    "channel_autoregressive",
                    "needs at least 2 channels per position, this layer has " + context.channels());
        if (!autoregressive && options.has("hidden_width"))
            throw options.invalid("hidden_width", "only applies with channel_autoregressive = true");
        int hidden = autoregressive ? options.getInt("hidden_width", 128, 1, 1 << 16) : 0;
        double min = options.getDouble("min_log_scale", -10.0, -30.0, -1.0);
        double max = options.getDouble("max_log_scale", 5.0, 1.0, 30.0);
        double tolerance = options.getDouble("inverse_tolerance", MixtureSolver.DEFAULT.tolerance(), 1e-15, 1e-3);
        int iterations = options.getInt("inverse_max_iterations", MixtureSolver.DEFAULT.maxIterations(), 1, 10_000);
        return new MixtureCdfCoupling(
                context.channels(),
                context.featureWidth(),
                mixtures,
                hidden,
                new ScaleBounds(min, max),
                new MixtureSolver(tolerance, iterations),
                DensityDtype.read(options));
    }
}
