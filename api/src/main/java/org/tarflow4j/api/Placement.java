package org.tarflow4j.api;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.javacpp.indexer.LongIndexer;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * Where a model's tensors live: {@code cpu}, {@code cuda:N}, or {@code meta} (shapes without data, for tests). The
 * host chooses one placement at run time and hands it to everything that makes tensors; a tensor made anywhere else
 * either derives its device from another tensor ({@code x.options()}, {@code zeros_like}) or is made on the CPU on
 * purpose ({@link #CPU}) and moved.
 *
 * <p>Components build their parameters on the CPU, drawn from the seeded default generator, so that a seed gives the
 * same model on every device; the host then moves the whole model to its placement once. A component needs its
 * context's placement only for tensors it makes later without an input to take the device from, or for tensors it
 * keeps outside its parameters and buffers (which moving the model does not move).
 *
 * <p>A value: it holds the device's name, never a native pointer, so it may live in static fields. The libtorch
 * objects it hands out ({@link #device()}, {@link #options}) are new on every call and belong to the caller's pointer
 * scope.
 */
public final class Placement {
    /** The CPU: where parameters are initialised and where Java reads tensor values. */
    public static final Placement CPU = new Placement("cpu", -1);
    /** libtorch's meta device: tensors with shapes and dtypes but no data, on which every device mix-up fails. */
    public static final Placement META = new Placement("meta", -1);

    private static final Pattern CUDA = Pattern.compile("cuda(?::(\\d{1,3}))?");

    private final String kind;
    private final int index;

    private Placement(String kind, int index) {
        this.kind = kind;
        this.index = index;
    }

    /**
     * {@code "cpu"}, {@code "meta"}, {@code "cuda"} (the first visible CUDA device) or {@code "cuda:N"}.
     *
     * @throws IllegalArgumentException for any other name
     */
    public static Placement of(String name) {
        if (name.equals("cpu")) return CPU;
        if (name.equals("meta")) return META;
        Matcher m = CUDA.matcher(name);
        if (m.matches()) return cuda(m.group(1) == null ? 0 : Integer.parseInt(m.group(1)));
        throw new IllegalArgumentException(
                "device \"" + name + "\" is not cpu, cuda or cuda:N (N the index of a visible CUDA device)");
    }

    /** CUDA device {@code index} (as numbered after {@code CUDA_VISIBLE_DEVICES}). */
    public static Placement cuda(int index) {
        if (index < 0 || index > 127) throw new IllegalArgumentException("CUDA device index " + index);
        return new Placement("cuda", index);
    }

    /** The placement of an existing tensor. */
    public static Placement of(Tensor t) {
        if (t.is_cuda()) return cuda(t.device().index());
        if (t.is_meta()) return META;
        if (t.is_cpu()) return CPU;
        throw new IllegalArgumentException(
                "tensor on " + t.device().str().getString() + ", which tarflow4j does not use");
    }

    /** {@code cpu}, {@code meta} or {@code cuda:N}. */
    public String name() {
        return index < 0 ? kind : kind + ":" + index;
    }

    public boolean isCpu() {
        return kind.equals("cpu");
    }

    public boolean isCuda() {
        return kind.equals("cuda");
    }

    public boolean isMeta() {
        return kind.equals("meta");
    }

    /** The CUDA device index, -1 for the CPU and meta. */
    public int index() {
        return index;
    }

    public torch.DeviceType type() {
        return isCuda() ? torch.DeviceType.CUDA : isMeta() ? torch.DeviceType.Meta : torch.DeviceType.CPU;
    }

    /** A new libtorch device object for this placement. */
    public Device device() {
        return new Device(name());
    }

    /** Options for a new tensor of {@code dtype} here. */
    public TensorOptions options(torch.ScalarType dtype) {
        return new TensorOptions(device()).dtype(new org.bytedeco.pytorch.ScalarTypeOptional(dtype));
    }

    /** Options for a new float32 tensor here. */
    public TensorOptions options() {
        return options(torch.ScalarType.Float);
    }

    /** {@code t} here, in its dtype: {@code t} itself when it already is. */
    public Tensor put(Tensor t) {
        return t.to(device(), t.scalar_type());
    }

    /** A tensor of int64 values of {@code shape} here, copied from Java. */
    public Tensor longs(long[] values, long... shape) {
        return put(Tensor.create(values, shape.length == 0 ? new long[] {values.length} : shape));
    }

    /** A tensor of float64 values of {@code shape} here, copied from Java. */
    public Tensor doubles(double[] values, long... shape) {
        return put(Tensor.create(values, shape.length == 0 ? new long[] {values.length} : shape));
    }

    /**
     * The values of {@code t} as int64, in row-major order, copied to the CPU first: Java reads tensor values only from
     * CPU memory ({@code createIndexer()} on a CUDA tensor fails).
     */
    public static long[] hostLongs(Tensor t) {
        Tensor host = t.to(new Device("cpu"), torch.ScalarType.Long).reshape(-1).contiguous();
        long[] out = new long[(int) host.numel()];
        try (LongIndexer indexer = host.createIndexer()) {
            for (int i = 0; i < out.length; i++) out[i] = indexer.get(i);
        }
        return out;
    }

    /** The values of {@code t} as float64, in row-major order, copied to the CPU first (see {@link #hostLongs}). */
    public static double[] hostDoubles(Tensor t) {
        Tensor host =
                t.to(new Device("cpu"), torch.ScalarType.Double).reshape(-1).contiguous();
        double[] out = new double[(int) host.numel()];
        try (DoubleIndexer indexer = host.createIndexer()) {
            for (int i = 0; i < out.length; i++) out[i] = indexer.get(i);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Placement p && p.kind.equals(kind) && p.index == index;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + index;
    }

    @Override
    public String toString() {
        return name();
    }
}
