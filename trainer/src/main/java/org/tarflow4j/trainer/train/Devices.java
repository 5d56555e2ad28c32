package org.tarflow4j.trainer.train;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.openblas.global.openblas_full;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.TrainConfig;

/**
 * Chooses where a run computes: CPU threads for libtorch, and the device, checked to be there and usable before any
 * model is built (a CUDA device asked for and absent is an error naming why, never a silent fall-back to the CPU).
 * Also what only a device can tell: waiting for its queued work, and the memory its caching allocator reserved.
 */
public final class Devices {
    /** The module of libtorch's CUDA natives; present only in the GPU build ({@code mvn -Pgpu}). */
    static final String GPU_NATIVES = "org.bytedeco.pytorch.linux.x86_64.gpu";

    private static final Pattern MISSING_LIBRARY = Pattern.compile("(lib[\\w.+-]+?\\.so[\\d.]*): cannot open shared");

    private Devices() {}

    /** The settings of {@code [train]}: threads, TF32, and {@code train.device}, checked. */
    public static Placement configure(TrainConfig t) {
        return configure(
                t, t.runtime().device(), "train.device = \"" + t.runtime().device() + "\"");
    }

    /**
     * The settings of {@code [train]}, but computing on {@code device}: where a trained model is used is a choice made
     * when it is used ({@code --device}), not the device it was trained on.
     *
     * @param what how the user named the device, for messages (e.g. {@code --device cuda:1})
     */
    public static Placement configure(TrainConfig t, String device, String what) {
        threads(
                t.runtime().threads() > 0
                        ? t.runtime().threads()
                        : Runtime.getRuntime().availableProcessors());
        return open(device, what, t.runtime().tf32());
    }

    /**
     * The CPU threads this process computes on: libtorch's intra-op pool and OpenBLAS's own, which libtorch's CPU
     * matrix products run on and which {@code torch.set_num_threads} does not reach (with one libtorch thread a
     * {@code [2048, 128] × [128, 50257]} product still ran on both cores of this machine).
     */
    public static void threads(int n) {
        torch.set_num_threads(n);
        openblas_full.openblas_set_num_threads(n);
    }

    /**
     * The device named {@code device}, checked to be usable here (CUDA: made current, float32 matmuls in TF32 when
     * {@code tf32}, else in full float32).
     *
     * @param what how the user named the device, for messages
     */
    public static Placement open(String device, String what, boolean tf32) {
        Placement p;
        try {
            p = Placement.of(device);
        } catch (IllegalArgumentException e) {
            throw new TarflowException(what + " is not a device: give cpu, cuda or cuda:N");
        }
        if (p.isMeta()) throw new TarflowException(what + ": the meta device holds no data; give cpu, cuda or cuda:N");
        if (p.isCuda()) openCuda(p, what, tf32);
        return p;
    }

    /** True when this process runs the CUDA build of libtorch (whether or not its CUDA libraries load here). */
    public static boolean gpuBuild() {
        return ModuleLayer.boot().findModule(GPU_NATIVES).isPresent()
                || System.getProperty("java.class.path", "").contains("linux-x86_64-gpu");
    }

    /** CUDA devices libtorch can use here: 0 in the CPU build or without a driver. */
    public static int cudaDevices() {
        return gpuBuild() && torch.cuda_is_available() ? torch.cuda_device_count() : 0;
    }

    private static void openCuda(Placement p, String what, boolean tf32) {
        String cpu =
                ", or compute on the CPU (" + (what.startsWith("--") ? "--device cpu" : "train.device = \"cpu\"") + ")";
        if (!gpuBuild())
            throw new TarflowException(what + ", but this build of tarflow4j has the CPU natives of libtorch;"
                    + " run the GPU build (TARFLOW_GPU=1 ./tarflow ..., or mvn -Pgpu package) on a host with CUDA 13.1"
                    + " (README, section GPU)" + cpu);
        if (!torch.cuda_is_available()) {
            String missing = missingCudaLibrary();
            if (missing != null)
                throw new TarflowException(what + ", but libtorch's CUDA libraries do not load on this host: "
                        + libraryAdvice(missing) + " (README, section GPU)" + cpu);
            throw new TarflowException(
                    what + ", but libtorch sees no CUDA device on this host (check the NVIDIA driver,"
                            + " R580 or newer, with nvidia-smi, and CUDA_VISIBLE_DEVICES)" + cpu);
        }
        int visible = torch.cuda_device_count();
        if (p.index() >= visible)
            throw new TarflowException(what + ", but " + visible + " CUDA device" + (visible == 1 ? " is" : "s are")
                    + " visible here (cuda:0" + (visible > 1 ? " to cuda:" + (visible - 1) : "")
                    + "); give one of them, or change CUDA_VISIBLE_DEVICES");
        torch.setDeviceIndex((byte) p.index());
        tf32(tf32);
        probe(p, what);
    }

    /**
     * Lets float32 matmuls and convolutions on CUDA devices use TF32 tensor cores, or keeps them in full float32
     * (libtorch's default): the setting is process-wide and has no effect on the CPU.
     */
    static void tf32(boolean on) {
        torch.Float32Precision precision = on ? torch.Float32Precision.TF32 : torch.Float32Precision.IEEE;
        torch.globalContext().setFloat32Precision(torch.Float32Backend.CUDA, torch.Float32Op.MATMUL, precision);
        torch.globalContext().setFloat32Precision(torch.Float32Backend.CUDA, torch.Float32Op.CONV, precision);
    }

    /** Whether CUDA float32 matmuls may use TF32 now. */
    static boolean tf32() {
        return torch.globalContext().float32Precision(torch.Float32Backend.CUDA, torch.Float32Op.MATMUL).value
                == torch.Float32Precision.TF32.value;
    }

    /**
     * The shared library libtorch's CUDA part could not find ({@code libcusparse.so.12}, …), or null when it loaded or
     * the reason is not a missing file. The GPU build loads its CUDA part only where all its libraries are installed,
     * and otherwise runs as a CPU build: this names what is missing.
     */
    static String missingCudaLibrary() {
        try {
            Loader.load(org.bytedeco.pytorch.global.torch_cuda.class);
            return null;
        } catch (UnsatisfiedLinkError e) {
            return missingLibrary(e);
        }
    }

    /** What to install for a missing library: the driver's {@code libcuda.so.1}, or one of the CUDA libraries. */
    static String libraryAdvice(String missing) {
        if (missing.startsWith("libcuda.so"))
            return missing + " is missing, which the NVIDIA driver installs (R580 or newer; nvidia-smi shows it)";
        return missing + " is missing; install CUDA 13.1, cuDNN 9.19, NCCL, cuFile and NVRTC";
    }

    /** The first {@code libX.so.N: cannot open shared object file} in an error and its causes, or its message. */
    public static String missingLibrary(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            Matcher m = MISSING_LIBRARY.matcher(String.valueOf(t.getMessage()));
            if (m.find()) return m.group(1);
        }
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("an unnamed library");
    }

    /** One small computation on the device, so that an unusable GPU is named here rather than in the first step. */
    private static void probe(Placement p, String what) {
        try (PointerScope scope = new PointerScope()) {
            torch.ones(new long[] {4}, p.options()).add(new Scalar(1.0)).sum().item_double();
        } catch (RuntimeException e) {
            throw new TarflowException(what + " cannot compute: " + cudaFailure(e.getMessage()));
        }
    }

    /** What a CUDA error means for the user, from libtorch's message. */
    static String cudaFailure(String message) {
        String m = String.valueOf(message);
        String first = m.lines().findFirst().orElse("").strip();
        String lower = m.toLowerCase(Locale.ROOT);
        if (lower.contains("no kernel image") || lower.contains("not compatible with the current pytorch"))
            return first + " (this libtorch has kernels for GPUs of compute capability 7.5, Turing, and newer)";
        if (lower.contains("driver version is insufficient") || lower.contains("driver version"))
            return first + " (CUDA 13.1 needs an NVIDIA driver of the R580 series or newer)";
        if (lower.contains("out of memory")) return first + " (another process holds the GPU's memory; see nvidia-smi)";
        return first;
    }

    /** Waits for the work queued on the device (CUDA runs asynchronously); nothing to wait for on the CPU. */
    public static void synchronize(Placement p) {
        if (p.isCuda()) torch.synchronizeDevice((byte) p.index());
    }

    /** Starts the device's peak-memory counters afresh (CUDA only). */
    public static void resetPeakMemory(Placement p) {
        if (p.isCuda()) torch.resetPeakStats((byte) p.index());
    }

    /**
     * The peaks of the CUDA caching allocator since the process started or {@link #resetPeakMemory}: bytes handed to
     * tensors, and bytes reserved from the driver (what {@code nvidia-smi} shows, less the CUDA context); null on the
     * CPU.
     */
    public static DeviceMemory memory(Placement p) {
        if (!p.isCuda()) return null;
        var stats = torch.getDeviceStats((byte) p.index());
        return new DeviceMemory(
                p.name(),
                stats.allocated_bytes().peak() / 1048576.0,
                stats.reserved_bytes().peak() / 1048576.0);
    }

    /** Peak device memory in mebibytes. */
    public record DeviceMemory(String device, double peakAllocatedMiB, double peakReservedMiB) {}
}
