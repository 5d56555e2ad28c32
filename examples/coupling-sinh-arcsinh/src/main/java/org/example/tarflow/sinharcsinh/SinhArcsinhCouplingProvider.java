package org.example.tarflow.sinharcsinh;

import com.google.auto.service.AutoService;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.Options;

/**
 * The {@code "sinh-arcsinh"} coupling. Option {@code tail_bound} (default 2): the tail weight {@code δ} stays in
 * {@code (e^−b, e^b)}; 0 leaves it unbounded.
 */
@AutoService(CouplingProvider.class)
public final class SinhArcsinhCouplingProvider implements CouplingProvider {
    @Override
    public String name() {
        return "sinh-arcsinh";
    }

    @Override
    public String version() {
        return "0.3.0";
    }

    @Override
    public String requires() {
        return "^1.0";
    }

    @Override
    public String description() {
        return "Sinh-arcsinh coupling (Jones & Pewsey) after an affine: learns skew and tail weight per channel.";
    }

    @Override
    public Coupling create(Options options, CouplingContext context) {
        double tailBound = options.getDouble("tail_bound", 2.0);
        if (!(tailBound >= 0) || Double.isInfinite(tailBound))
            throw options.invalid(
                    "tail_bound", "is " + tailBound + ", expected 0 (unbounded) or a positive bound on |log δ|");
        return new SinhArcsinhCoupling(context.channels(), context.featureWidth(), tailBound);
    }
}
