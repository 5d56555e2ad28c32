package org.tarflow4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.experiments.bench.BackboneFlops;
import org.tarflow4j.experiments.bench.CouplingBench;
import org.tarflow4j.experiments.bench.DataParallelBench;
import org.tarflow4j.experiments.bench.MemoryBench;
import org.tarflow4j.experiments.bench.TrainBench;
import org.tarflow4j.trainer.distributed.DistributedSampler;
import org.tarflow4j.trainer.distributed.Launcher;
import org.tarflow4j.trainer.train.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks that state speed targets as ratios measured in one process (times are medians).",
        subcommands = {BenchCommand.Couplings.class, BenchCommand.Train.class, BenchCommand.Memory.class})
final class BenchCommand {
    @Command(
            name = "couplings",
            mixinStandardHelpOptions = true,
            description =
                    "Forward, inverse and training speed and training memory of every coupling (built-ins and plugins), in float64 and float32 density math where a coupling offers both, random parameters and inputs.")
    static final class Couplings implements Runnable {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Option(names = "--quick", description = "Fewer positions and repeats.")
        boolean quick;

        @Option(names = "--json", description = "One JSON line per measurement instead of a table.")
        boolean json;

        @Option(
                names = "--threads",
                defaultValue = "1",
                paramLabel = "N",
                description = "libtorch threads (default: 1).")
        int threads;

        @Option(
                names = "--device",
                paramLabel = "cpu|cuda|cuda:N",
                defaultValue = "${env:TARFLOW_DEVICE:-cpu}",
                description = "Where the couplings compute (default: $TARFLOW_DEVICE, else cpu).")
        String device;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            CouplingBench.Settings s = (quick
                            ? CouplingBench.Settings.quick(threads)
                            : CouplingBench.Settings.standard(threads))
                    .on(Devices.open(device, "--device " + device, false));
            err.printf(
                    "%d sequences × %d positions, feature width %d, %d repeats, %d thread%s, on %s%n",
                    s.batch(),
                    s.positions(),
                    s.featureWidth(),
                    s.repeats(),
                    s.threads(),
                    s.threads() == 1 ? "" : "s",
                    s.placement());
            List<CouplingBench.Row> rows = CouplingBench.run(common.registry(), s, row -> {
                if (json) out.println(row.toJson());
                else
                    err.println("  " + row.coupling() + " C=" + row.channels() + axis(" K=", row.mixtures())
                            + axis(" V=", row.vocab()) + (row.density() == null ? "" : " " + row.density()));
            });
            if (json) return;
            Table table = new Table(
                    "COUPLING",
                    "C",
                    "K",
                    "V",
                    "DENSITY",
                    "FORWARD/s",
                    "INVERSE/s",
                    "INV/FWD",
                    "NEWTON MEAN",
                    "NEWTON MAX",
                    "UNCONVERGED",
                    "ROUND TRIP",
                    "≤ " + fixed(CouplingBench.TARGET_RATIO, 0) + "×",
                    "TRAIN POS",
                    "TRAIN/s",
                    "TRAIN PEAK MiB",
                    "KiB/POS",
                    "EST KiB/POS");
            List<String> errors = new ArrayList<>();
            for (CouplingBench.Row r : rows) {
                if (r.error() != null) errors.add(r.coupling() + " C=" + r.channels() + ": " + r.error());
                table.row(
                        r.coupling(),
                        r.channels(),
                        dash(r.mixtures()),
                        dash(r.vocab()),
                        r.density() == null ? "-" : r.density(),
                        rate(r.forwardPerSecond()),
                        rate(r.inversePerSecond()),
                        fixed(r.ratio(), 1),
                        fixed(r.meanIterations(), 1),
                        r.maxIterations(),
                        r.unconverged(),
                        String.format("%.1e", r.roundTrip()),
                        r.error() != null ? "error" : r.meetsTarget() ? "yes" : "NO",
                        r.memory() == null ? "-" : r.memory().positions(),
                        r.memory() == null
                                ? "-"
                                : rate(r.memory().positions()
                                        * r.channels()
                                        / r.memory().seconds()),
                        r.memory() == null ? "-" : fixed(r.memory().peakMiB(), 0),
                        r.memory() == null ? "-" : fixed(r.memory().kibPerPosition(), 1),
                        r.memory() == null ? "-" : fixed(r.memory().estimatedKibPerPosition(), 1));
            }
            table.print(out);
            out.println(
                    "rates in elements (scalars of x) per second; Newton iterations per element from the coupling's last inverse");
            out.println(
                    "training pass (forward with gradients, backward) at TRAIN POS positions: TRAIN/s its rate in elements"
                            + " per second (one pass, not a median), TRAIN PEAK the peak"
                            + " resident memory above the memory before it; KiB/POS the peak's growth per position between half"
                            + " and all of them (measured), EST KiB/POS the coupling's own estimate (trainingBytes)");
            errors.forEach(e -> out.println("error: " + e));
        }
    }

    @Command(
            name = "train",
            mixinStandardHelpOptions = true,
            description =
                    "Training throughput of a config's TarFlowLM and its ar baseline, fp32 and bf16, against the matmul peak.")
    static final class Train implements Runnable {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Parameters(
                arity = "0..1",
                paramLabel = "CONFIG.toml",
                description = "The config file (default: the built-in default).")
        Path file;

        @Mixin
        ConfigEdits edits;

        @Option(
                names = "--steps",
                defaultValue = "20",
                paramLabel = "N",
                description = "Timed steps per model and precision (default: 20).")
        int steps;

        @Option(names = "--json", description = "The report as one JSON object instead of tables.")
        boolean json;

        @Option(
                names = "--nproc-per-node",
                paramLabel = "N",
                description = "Measure data-parallel training in N processes instead: time per step, the all-reduce's"
                        + " share, gradient bytes and bandwidth against a raw all-reduce and one process.")
        Integer nprocPerNode;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (steps < 1)
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--steps must be at least 1");
            if (System.getenv("WORLD_SIZE") != null) {
                dataParallelWorker(out, err);
                return;
            }
            if (nprocPerNode != null) {
                launch(out, err);
                return;
            }
            TrainBench.Report r = TrainBench.run(
                    file, edits.overrides(), common.registry(), TrainBench.Settings.standard(steps), err::println);
            if (json) {
                out.println(r.toJson());
                return;
            }
            StringBuilder environment = new StringBuilder();
            r.environment()
                    .forEach((k, v) ->
                            environment.append(' ').append(k).append('=').append(v));
            out.printf("config: %s; on %s; %d threads;%s%n", r.config(), r.device(), r.threads(), environment);
            out.printf(
                    "matmul %d² (median of %d): fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s%n%n",
                    r.peak().size(),
                    r.peak().repeats(),
                    r.peak().fp32(),
                    r.peak().bf16());
            Table training = new Table(
                    "MODEL",
                    "PRECISION",
                    "MS/STEP",
                    "TOKENS/S",
                    "SKIPPED",
                    "BACKBONE GFLOP/STEP",
                    "GFLOP/S",
                    "OF FP32 PEAK",
                    "OF BF16 PEAK");
            for (TrainBench.Throughput t : r.throughputs())
                training.row(
                        t.model(),
                        t.precision(),
                        fixed(t.secondsPerStep() * 1e3, 1),
                        fixed(t.tokensPerSecond(), 0),
                        t.skipped(),
                        fixed(t.flopsPerStep() / 1e9, 2),
                        fixed(t.flopsPerSecond() / 1e9, 1),
                        percent(t.flopsPerSecond() / 1e9 / r.peak().fp32()),
                        percent(t.flopsPerSecond() / 1e9 / r.peak().bf16()));
            training.print(out);
            out.println();
            Table alone = new Table(
                    "BACKBONES ALONE (fwd+bwd)", "PRECISION", "MS/PASS", "GFLOP/S", "OF FP32 PEAK", "OF BF16 PEAK");
            for (TrainBench.BackbonesAlone a : r.backbonesAlone())
                alone.row(
                        a.model(),
                        a.precision(),
                        fixed(a.secondsPerPass() * 1e3, 1),
                        fixed(a.flopsPerSecond() / 1e9, 1),
                        percent(a.flopsPerSecond() / 1e9 / r.peak().fp32()),
                        percent(a.flopsPerSecond() / 1e9 / r.peak().bf16()));
            alone.print(out);
            out.println();
            for (TrainBench.Profile p : r.profiles()) printProfile(out, p);
            out.println("FLOPs: " + BackboneFlops.FORMULA);
            describe(out, "flow", r.flowBackbones());
            describe(out, "ar", r.arBackbones());
            out.println();
            Table targets = new Table("TARGET", "VALUE", "BOUND", "MET");
            for (TrainBench.Target t : r.targets())
                targets.row(
                        t.name(),
                        fixed(t.value(), 2),
                        (t.atLeast() ? "≥ " : "≤ ") + fixed(t.bound(), 2),
                        t.met() ? "yes" : "NO");
            targets.print(out);
            out.printf("%npeak resident memory (VmHWM): %.0f MiB%n", r.peakMemoryMiB());
            if (r.deviceMemory() != null)
                out.printf(
                        "%s peak memory: %.0f MiB allocated, %.0f MiB reserved by the caching allocator%n",
                        r.device(),
                        r.deviceMemory().peakAllocatedMiB(),
                        r.deviceMemory().peakReservedMiB());
        }

        /** Starts the ranks of the data-parallel benchmark; rank 0 prints the report. */
        private void launch(PrintWriter out, PrintWriter err) {
            Path logs;
            try {
                logs = Files.createTempDirectory("tarflow-bench-");
            } catch (IOException e) {
                throw new TarflowException("cannot create a directory for the ranks' logs: " + e.getMessage());
            }
            List<String> args = new ArrayList<>(List.of("bench", "train"));
            if (file != null) args.add(file.toString());
            args.addAll(edits.args());
            args.addAll(List.of("--steps", Integer.toString(steps)));
            if (json) args.add("--json");
            args.addAll(common.args());
            String[] failure = new String[1];
            int status = Launcher.run(
                    new Launcher.Options(nprocPerNode, 1, 0, "127.0.0.1", 0),
                    Launcher.javaCommand(Main.class, args, logs),
                    Launcher.MainOutput.copyTo(out, err),
                    logs,
                    line -> failure[0] = line);
            if (failure[0] != null) throw new TarflowException(failure[0] + " (logs of the other ranks: " + logs + ")");
            if (status != 0) throw new TarflowException("the benchmark failed; the other ranks' logs are in " + logs);
        }

        private void dataParallelWorker(PrintWriter out, PrintWriter err) {
            boolean main = "0".equals(System.getenv("RANK"));
            DataParallelBench.Report r = DataParallelBench.run(
                    file, edits.overrides(), common.registry(), DataParallelBench.Settings.standard(steps), line -> {
                        if (main) err.println(line);
                    });
            if (!main) return;
            if (json) {
                out.println(r.toJson());
                return;
            }
            out.printf(
                    "config: %s; %d ranks × %d thread%s; one process: %d threads%n",
                    r.config(),
                    r.worldSize(),
                    r.threadsPerRank(),
                    r.threadsPerRank() == 1 ? "" : "s",
                    r.singleThreads());
            out.println(DistributedSampler.describe(
                    r.batch(), r.worldSize(), r.accumulate(), (int) (r.tokensPerStep() / r.globalBatch())));
            out.printf(
                    "gradient per step: %,d bytes in %d bucket%s %s%n%n",
                    r.gradientBytes(), r.buckets().size(), r.buckets().size() == 1 ? "" : "s", r.buckets());
            Table steps = new Table("STEP (median)", "MS/STEP", "TOKENS/S");
            steps.row(
                    r.worldSize() + " ranks, gradients all-reduced",
                    fixed(r.dataParallelSeconds() * 1e3, 1),
                    fixed(r.tokensPerStep() / r.dataParallelSeconds(), 0));
            steps.row(
                    r.worldSize() + " ranks, no gradient sync",
                    fixed(r.noSyncSeconds() * 1e3, 1),
                    fixed(r.tokensPerStep() / r.noSyncSeconds(), 0));
            steps.row(
                    "1 process, the same global batch",
                    fixed(r.singleSeconds() * 1e3, 1),
                    fixed(r.tokensPerStep() / r.singleSeconds(), 0));
            steps.print(out);
            out.println();
            out.printf(
                    "data-parallel step − step without sync: %+.1f ms: all-reduce share %s%s%n",
                    (r.dataParallelSeconds() - r.noSyncSeconds()) * 1e3,
                    percent(r.allReduceShare()),
                    r.exposedSeconds() > 0
                            ? " (communication the backward pass did not hide)"
                            : " (no cost above the noise: the backward pass hid the all-reduce)");
            out.printf(
                    "raw %s all-reduce of the same bytes: %.2f ms, %.3f GB/s (bus bandwidth %.3f GB/s)%n",
                    r.backend().equals("NCCL") ? "NCCL" : "Gloo",
                    r.allReduceSeconds() * 1e3,
                    r.rawBandwidth() / 1e9,
                    r.rawBusBandwidth() / 1e9);
            out.printf(
                    "one barrier of the %d ranks (the latency of a synchronisation): %.2f ms%n",
                    r.worldSize(), r.barrierSeconds() * 1e3);
            if (r.exposedSeconds() > 0)
                out.printf(
                        "gradient bytes over the exposed time: %.3f GB/s (%.2f× the raw all-reduce)%n",
                        r.effectiveBandwidth() / 1e9, r.effectiveBandwidth() / r.rawBandwidth());
            out.printf(
                    "%d ranks take %.2f× the time of one process per global batch%s%n",
                    r.worldSize(),
                    r.dataParallelOverSingle(),
                    r.skipped() > 0 ? " (" + r.skipped() + " skipped steps left out)" : "");
        }

        private static void describe(PrintWriter out, String model, List<BackboneFlops> flops) {
            for (int i = 0; i < flops.size(); i++) {
                BackboneFlops f = flops.get(i);
                out.printf(
                        "  %s backbone %d: %d positions, %.3f GFLOP forward per sequence%n",
                        model, i, f.positions(), f.forwardPerSequence() / 1e9);
            }
        }
    }

    @Command(
            name = "memory",
            mixinStandardHelpOptions = true,
            description = "Peak resident memory and step time of a config's TarFlowLM and its ar baseline at the same"
                    + " shape, one after the other in one process on the CPU, against the memory estimate of"
                    + " 'tarflow config check'; and the largest flow batch whose estimate fits "
                    + "20 GiB.")
    static final class Memory implements Runnable {
        @Mixin
        Common common;

        @Spec
        CommandSpec spec;

        @Parameters(
                arity = "0..1",
                paramLabel = "CONFIG.toml",
                description = "The config file (default: the built-in default).")
        Path file;

        @Mixin
        ConfigEdits edits;

        @Option(
                names = "--steps",
                defaultValue = "2",
                paramLabel = "N",
                description = "Timed steps per model after one untimed step (default: 2).")
        int steps;

        @Option(
                names = "--contexts",
                split = ",",
                defaultValue = "128,256,512,1024",
                paramLabel = "T,...",
                description = "Contexts to find the largest flow batch in 20 GiB for (default: 128,256,512,1024).")
        List<Integer> contexts;

        @Option(names = "--json", description = "The report as one JSON object instead of tables.")
        boolean json;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (steps < 1)
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--steps must be at least 1");
            MemoryBench.Report r =
                    MemoryBench.run(file, edits.overrides(), common.registry(), steps, contexts, err::println);
            if (json) {
                out.println(r.toJson());
                return;
            }
            out.printf(
                    "config: %s; %d threads; process before any model: %.0f MiB%n%n",
                    r.config(), r.threads(), r.runtimeMiB());
            Table models = new Table(
                    "MODEL",
                    "BATCH × CONTEXT",
                    "PEAK MiB",
                    "ESTIMATE MiB",
                    "ESTIMATE ERROR",
                    "S/STEP",
                    "CPU S/STEP",
                    "TOKENS/S");
            for (MemoryBench.Measurement m : r.measurements())
                models.row(
                        m.model(),
                        m.batch() + " × " + m.context(),
                        fixed(m.peakMiB(), 0),
                        fixed(m.estimateMiB(), 0),
                        String.format("%+.1f%%", 100 * m.estimateError()),
                        fixed(m.secondsPerStep(), 2),
                        fixed(m.cpuSecondsPerStep(), 2),
                        fixed((double) m.batch() * m.context() / m.secondsPerStep(), 0));
            models.print(out);
            out.println();
            for (MemoryBench.Measurement m : r.measurements()) printProfile(out, m.profile());
            for (MemoryBench.Measurement m : r.measurements()) {
                out.println("estimate of " + m.model() + " (MiB):");
                m.estimateTerms().forEach((k, v) -> out.printf("  %-34s %10.1f%n", k, v));
            }
            out.println();
            Table targets = new Table("TARGET", "VALUE", "BOUND", "MET");
            for (TrainBench.Target t : r.targets())
                targets.row(t.name(), fixed(t.value(), 2), "≤ " + fixed(t.bound(), 2), t.met() ? "yes" : "NO");
            targets.print(out);
            out.println();
            Table largest = new Table("CONTEXT", "LARGEST FLOW BATCH IN 20 GiB", "TOKENS", "ESTIMATE GiB");
            for (MemoryBench.Largest l : r.largest())
                largest.row(l.context(), l.batch(), l.tokens(), fixed(l.estimateGiB(), 1));
            largest.print(out);
            out.println("peaks: resident memory (VmHWM) during the model's build and steps, less what was resident"
                    + " before it, plus the process before any model");
        }
    }

    private static String axis(String label, Integer value) {
        return value == null ? "" : label + value;
    }

    private static String dash(Integer value) {
        return value == null ? "-" : value.toString();
    }

    private static String rate(double perSecond) {
        return String.format("%.3g", perSecond);
    }

    private static String fixed(double value, int decimals) {
        return String.format("%." + decimals + "f", value);
    }

    private static String percent(double fraction) {
        return String.format("%.1f%%", 100 * fraction);
    }

    /** Where a step's time went ({@link TrainBench.Profile}), section by section, as a table. */
    static void printProfile(PrintWriter out, TrainBench.Profile p) {
        Table profile = new Table(
                p.model().toUpperCase() + " STEP, " + p.precision() + " (median of " + p.steps() + ")", "MS", "SHARE");
        p.sections()
                .forEach((section, seconds) ->
                        profile.row(section, fixed(seconds * 1e3, 1), percent(seconds / p.total())));
        profile.row("whole step", fixed(p.total() * 1e3, 1), percent(1.0));
        profile.print(out);
        out.println();
    }
}
