package ${package};

import com.google.auto.service.AutoService;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.Options;

/**
 * The {@code "${couplingName}"} coupling. Option {@code scale_bound} (default 3): every scale stays within
 * {@code (e^−b, e^b)}; 0 leaves it unbounded. Declared twice, as the host finds plugins: {@code provides … with …} in
 * {@code module-info.java}, and {@code @AutoService} for the class path.
 */
@AutoService(CouplingProvider.class)
public final class BoundedAffineCouplingProvider implements CouplingProvider {
    /** The name configs use ({@code coupling = "${couplingName}"}) and checkpoints record. */
    @Override
    public String name() {
        return "${couplingName}";
    }

    /** This plugin's own version, recorded in checkpoints: keep it equal to the version in pom.xml. */
    @Override
    public String version() {
        return "${version}";
    }

    /** The plugin API range this plugin is built for; the host refuses the jar if its API is outside it. */
    @Override
    public String requires() {
        return "^1.0";
    }

    @Override
    public String description() {
        return "Affine coupling with a bounded scale per channel (generated skeleton).";
    }

    @Override
    public Coupling create(Options options, CouplingContext context) {
        double scaleBound = options.getDouble("scale_bound", 3.0);
        if (!(scaleBound >= 0) || Double.isInfinite(scaleBound))
            throw options.invalid(
                    "scale_bound", "is " + scaleBound + ", expected 0 (unbounded) or a positive bound on |log scale|");
        return new BoundedAffineCoupling(context.channels(), context.featureWidth(), scaleBound);
    }
}
