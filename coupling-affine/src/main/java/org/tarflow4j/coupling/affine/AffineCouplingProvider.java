package org.tarflow4j.coupling.affine;

import com.google.auto.service.AutoService;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.numerics.DensityDtype;

/**
 * The {@code "affine"} coupling. Option {@code scale_bound} (default 0): 0 leaves the log-scale unbounded, as in
 * TarFlow; a positive value {@code b} soft-clamps it to {@code (−b, b)}, i.e. every scale to {@code (e^−b, e^b)}.
 * Option {@code density_dtype} ({@code "float64"}, the default, or {@code "float32"}): the dtype the map runs in.
 */
@AutoService(CouplingProvider.class)
public final class AffineCouplingProvider implements CouplingProvider {
    @Override
    public String name() {
        return "affine";
    }

    @Override
    public String version() {
        return "1.1.0";
    }

    @Override
    public String requires() {
        return "^1.1";
    }

    @Override
    public String description() {
        return "Affine coupling u = (x − μ)·exp(−s) from a zero-initialised linear head (TarFlow), optionally bounded scale.";
    }

    @Override
    public Coupling create(Options options, CouplingContext context) {
        double scaleBound = options.getDouble("scale_bound", 0.0);
        if (!(scaleBound >= 0) || Double.isInfinite(scaleBound))
            throw options.invalid(
                    "scale_bound", "is " + scaleBound + ", expected 0 (unbounded) or a positive bound on |log scale|");
        return new AffineCoupling(context.channels(), context.featureWidth(), scaleBound, DensityDtype.read(options));
    }
}
