package org.tarflow4j.testkit;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.InverseReport;
import org.tarflow4j.api.JacobianShape;
import org.tarflow4j.api.Transformed;

/**
 * An affine coupling {@code u = (x − μ)·e^{−s}} for testing the harness: the variant "diagonal" is correct,
 * "triangular" adds {@code ½·x_{c−1}} to {@code u_c} (still correct, unit-triangular part), and every other variant
 * breaks exactly one property the harness must catch. Build it outside pointer scopes (the Java-held tensor of
 * "cached-scale" must outlive them).
 */
final class FixtureCoupling extends Module implements Coupling {
    private final LinearImpl head;
    private final String variant;
    private final int channels;
    /** Variant "cached-scale": a per-channel factor held in a Java field, not registered, so a checkpoint loses it. */
    private final Tensor cachedScale;

    FixtureCoupling(int channels, int featureWidth, String variant) {
        this.channels = channels;
        this.variant = variant;
        this.head = register_module("head", new LinearImpl(featureWidth, 2L * channels));
        if (variant.equals("unused-parameter")) register_parameter("unused", torch.zeros(channels));
        cachedScale = variant.equals("cached-scale")
                ? torch.rand(channels).add(new Scalar(0.5)).to(torch.ScalarType.Double)
                : null;
    }

    @Override
    public Transformed forward(Tensor x, Tensor features) {
        TensorVector p = head.forward(features).to(x.scalar_type()).chunk(2, -1);
        Tensor mu = p.get(0);
        Tensor s = p.get(1);
        Tensor u = x.sub(mu).mul(s.neg().exp());
        Tensor logDet = s.sum(-1).neg();
        return switch (variant) {
            case "triangular" -> new Transformed(u.add(previousChannel(x).mul(new Scalar(0.5))), logDet);
            case "wrong-log-det" -> new Transformed(u, logDet.neg());
            case "mixes-channels", "not-lower-triangular" ->
                new Transformed(u.add(x.roll(new long[] {-1}, -1).mul(new Scalar(0.5))), logDet);
            case "cached-scale" ->
                new Transformed(u.mul(cachedScale), logDet.add(cachedScale.log().sum()));
            case "mixes-positions" ->
                new Transformed(u.add(x.roll(new long[] {1}, 1).mul(new Scalar(0.5))), logDet);
            // log(1 − tanh²x) is −inf once tanh x rounds to ±1; times 0 gives NaN.
            case "nan-far-out" ->
                new Transformed(
                        u,
                        logDet.add(x.tanh()
                                .square()
                                .neg()
                                .log1p()
                                .mul(new Scalar(0.0))
                                .sum(-1)));
            default -> new Transformed(u, logDet);
        };
    }

    @Override
    public Tensor inverse(Tensor u, Tensor features) {
        TensorVector p = head.forward(features).to(u.scalar_type()).chunk(2, -1);
        Tensor mu = p.get(0);
        Tensor scale = p.get(1).exp();
        if (variant.equals("triangular")) return triangularInverse(u, mu, scale);
        if (variant.equals("cached-scale")) u = u.div(cachedScale);
        Tensor x = u.mul(scale).add(mu);
        return variant.equals("lossy-inverse") ? x.add(new Scalar(1e-5)) : x;
    }

    @Override
    public JacobianShape jacobianShape() {
        return switch (variant) {
            case "triangular", "not-lower-triangular" -> JacobianShape.LOWER_TRIANGULAR;
            default -> JacobianShape.DIAGONAL;
        };
    }

    @Override
    public InverseReport lastInverse() {
        return variant.equals("unconverged") ? new InverseReport(10, 3, 8, 2) : InverseReport.EXACT;
    }

    private Tensor triangularInverse(Tensor u, Tensor mu, Tensor scale) {
        TensorVector columns = new TensorVector();
        Tensor previous = null;
        for (long c = 0; c < channels; c++) {
            Tensor uc = u.narrow(-1, c, 1);
            if (previous != null) uc = uc.sub(previous.mul(new Scalar(0.5)));
            previous = uc.mul(scale.narrow(-1, c, 1)).add(mu.narrow(-1, c, 1));
            columns.push_back(previous);
        }
        return torch.cat(columns, -1);
    }

    private static Tensor previousChannel(Tensor x) {
        long c = x.size(-1);
        return torch.cat(new TensorVector(torch.zeros_like(x.narrow(-1, 0, 1)), x.narrow(-1, 0, c - 1)), -1);
    }
}
