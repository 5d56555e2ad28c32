package org.tarflow4j.trainer.model;

import org.bytedeco.pytorch.DimnameListOptional;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Placement;

/**
 * The random numbers of the model's estimators and samplers: the encoder's noise, the sampler's noise and its token
 * draws. They are drawn on the CPU from a generator of their own, seeded here, and then moved to where they are used,
 * so that a seed gives the same numbers on every device (CUDA's generators give other numbers than the CPU's for the
 * same seed). Moving them costs one host-to-device copy of each draw.
 *
 * <p>{@link #perRow} gives every sequence of a batch a generator of its own: its draws then do not depend on the batch,
 * micro-batch or data-parallel rank the sequence was read in.
 *
 * <p>Holds native generators: make it inside the pointer scope of the step that uses it.
 */
public final class Noise {
    private final Generator generator;
    /** One generator per row of {@link #normal}'s draws, or null. */
    private final Generator[] rows;

    public Noise(long seed) {
        generator = torch.make_generator_cpu(seed);
        rows = null;
    }

    private Noise(long[] seeds) {
        generator = torch.make_generator_cpu(seeds[0]);
        rows = new Generator[seeds.length];
        for (int i = 0; i < seeds.length; i++) rows[i] = torch.make_generator_cpu(seeds[i]);
    }

    /** {@link #normal} draws whose row {@code i} (the first dimension) comes from {@code seeds[i]} alone. */
    public static Noise perRow(long[] seeds) {
        if (seeds.length == 0) throw new IllegalArgumentException("no seeds");
        return new Noise(seeds);
    }

    /** {@code N(0, 1)} draws of {@code shape} in {@code dtype}, on {@code where}. */
    public Tensor normal(Placement where, torch.ScalarType dtype, long... shape) {
        if (rows == null)
            return where.put(torch.randn(shape, new GeneratorOptional(generator), Placement.CPU.options(dtype)));
        if (shape.length == 0 || shape[0] != rows.length)
            throw new IllegalArgumentException(rows.length + " row seeds for draws of " + shape.length + " dimensions"
                    + (shape.length == 0 ? "" : " and " + shape[0] + " rows"));
        long[] row = shape.clone();
        row[0] = 1;
        TensorVector drawn = new TensorVector();
        for (Generator g : rows)
            drawn.push_back(torch.randn(row, new GeneratorOptional(g), Placement.CPU.options(dtype)));
        return where.put(torch.cat(drawn, 0));
    }

    /** {@code U[0, 1)} draws of {@code shape} in {@code dtype}, on {@code where}. */
    public Tensor uniform(Placement where, torch.ScalarType dtype, long... shape) {
        return where.put(torch.rand(
                shape, new GeneratorOptional(generator), new DimnameListOptional(), Placement.CPU.options(dtype)));
    }

    /**
     * One token per row of {@code probabilities [N, V]} (rows summing to 1), drawn by inverting the cumulative
     * distribution at a uniform draw of this generator: a function of the seed alone on every device, unlike
     * {@code multinomial}, which uses the device's own generator. Returns {@code [N, 1]} int64 on the rows' device.
     */
    public Tensor categorical(Tensor probabilities) {
        Placement where = Placement.of(probabilities);
        Tensor cdf = probabilities.to(torch.ScalarType.Double).cumsum(1);
        Tensor u = uniform(where, torch.ScalarType.Double, probabilities.size(0), 1)
                .mul(cdf.narrow(1, cdf.size(1) - 1, 1));
        Tensor below = cdf.le(u).sum(new long[] {1}, true, new ScalarTypeOptional(torch.ScalarType.Long));
        return below.clamp_max(new Scalar(probabilities.size(1) - 1));
    }
}
