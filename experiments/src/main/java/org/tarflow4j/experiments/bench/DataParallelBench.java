package org.tarflow4j.experiments.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.assembly.TarflowModule;
import org.tarflow4j.trainer.distributed.DistributedBackend;
import org.tarflow4j.trainer.distributed.GradientReducer;
import org.tarflow4j.trainer.distributed.World;
import org.tarflow4j.trainer.train.Devices;
import org.tarflow4j.trainer.train.Trainer;
import org.tarflow4j.trainer.train.TrainingSetup;

/**
 * What data parallelism costs, measured inside one run of N ranks ({@code tarflow bench train --nproc-per-node N}),
 * in rounds so that the comparisons are of times taken close together:
 *
 * <ul>
 *   <li><b>data-parallel step</b>: {@link Trainer#step} with the {@link GradientReducer}, per-rank batch b;
 *   <li><b>the same step without gradient sync</b> (DDP's {@code no_sync}): the difference is the communication the
 *       backward pass did not hide, the all-reduce's share of the step;
 *   <li><b>a raw all-reduce</b> of the gradient's bytes (one tensor per dtype, through the same Gloo process group):
 *       the bandwidth the wire gives, against the bandwidth the step's exposed communication amounts to;
 *   <li><b>one process</b> (rank 0 alone, all of the node's cores, batch b × N): the same global batch without data
 *       parallelism, the baseline that N ranks on N devices are meant to beat.
 * </ul>
 *
 * Times are medians over the rounds, as rank 0 sees them. Every timed step and all-reduce starts after a barrier, and
 * a timed step of N ranks ends with one, so that both kinds of step include waiting for the slowest rank (a straggler
 * on a busy machine) and their difference is the communication the backward pass did not hide.
 */
public final class DataParallelBench {
    private DataParallelBench() {}

    /**
     * @param steps    timed steps per kind, over all rounds
     * @param warmup   untimed steps of each kind before the first round
     * @param rounds   rounds
     * @param repeats  timed raw all-reduces, over all rounds
     */
    public record Settings(int steps, int warmup, int rounds, int repeats) {
        public Settings {
            if (steps < 1 || warmup < 0 || rounds < 1 || rounds > steps || repeats < rounds)
                throw new IllegalArgumentException(
                        "bench settings need steps >= rounds >= 1, repeats >= rounds: " + this);
        }

        public static Settings standard(int steps) {
            return new Settings(steps, 2, Math.min(steps, 4), Math.max(steps, 8));
        }

        int share(int total, int r) {
            return total / rounds + (r < total % rounds ? 1 : 0);
        }
    }

    /**
     * @param threadsPerRank libtorch threads of each rank; {@code singleThreads} those of the one-process baseline
     * @param gradientBytes  bytes all-reduced per optimizer step (every trainable parameter's gradient, in its dtype)
     * @param buckets        the Reducer's buckets in bytes, in the order they are reduced
     * @param barrierSeconds a barrier right after an all-reduce: the latency of one synchronisation of the ranks
     */
    public record Report(
            String config,
            String backend,
            int worldSize,
            int threadsPerRank,
            int singleThreads,
            int batch,
            int accumulate,
            long globalBatch,
            long tokensPerStep,
            long gradientBytes,
            List<Long> buckets,
            double dataParallelSeconds,
            double noSyncSeconds,
            double singleSeconds,
            double allReduceSeconds,
            double barrierSeconds,
            int skipped) {
        /** Communication the backward pass did not hide, per step. */
        public double exposedSeconds() {
            return Math.max(0, dataParallelSeconds - noSyncSeconds);
        }

        public double allReduceShare() {
            return exposedSeconds() / dataParallelSeconds;
        }

        /** Bytes per second of the raw all-reduce (algorithm bandwidth: gradient bytes / time). */
        public double rawBandwidth() {
            return gradientBytes / allReduceSeconds;
        }

        /** Ring all-reduce bus bandwidth: algorithm bandwidth × 2(N−1)/N, comparable across N (NCCL's busbw). */
        public double rawBusBandwidth() {
            return rawBandwidth() * 2.0 * (worldSize - 1) / worldSize;
        }

        /** Gradient bytes over the step's exposed communication time: above the raw bandwidth when overlap hides it. */
        public double effectiveBandwidth() {
            return gradientBytes / exposedSeconds();
        }

        /** Time per global batch of N ranks over that of one process: below 1 is a speed-up. */
        public double dataParallelOverSingle() {
            return dataParallelSeconds / singleSeconds;
        }

        public String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("config", config);
            m.put("backend", backend);
            m.put("world_size", worldSize);
            m.put("threads_per_rank", threadsPerRank);
            m.put("single_process_threads", singleThreads);
            m.put("batch_per_rank", batch);
            m.put("accumulate", accumulate);
            m.put("global_batch", globalBatch);
            m.put("tokens_per_step", tokensPerStep);
            m.put("gradient_bytes_per_step", gradientBytes);
            m.put("buckets_bytes", buckets);
            m.put("ms_per_step_data_parallel", dataParallelSeconds * 1e3);
            m.put("ms_per_step_no_sync", noSyncSeconds * 1e3);
            m.put("ms_per_step_one_process", singleSeconds * 1e3);
            m.put("ms_exposed_all_reduce", exposedSeconds() * 1e3);
            m.put("all_reduce_share", allReduceShare());
            m.put("ms_raw_all_reduce", allReduceSeconds * 1e3);
            m.put("ms_barrier", barrierSeconds * 1e3);
            m.put("raw_all_reduce_gb_per_s", rawBandwidth() / 1e9);
            m.put("raw_all_reduce_bus_gb_per_s", rawBusBandwidth() / 1e9);
            m.put("effective_gb_per_s", exposedSeconds() > 0 ? effectiveBandwidth() / 1e9 : null);
            m.put("data_parallel_over_one_process", dataParallelOverSingle());
            m.put("skipped_steps", skipped);
            return Json.line(m);
        }
    }

    /**
     * Runs in every rank of a data-parallel launch (torchrun's variables set); returns the report on every rank (rank
     * 0's times).
     */
    public static Report run(
            Path file, List<String> overrides, PluginRegistry registry, Settings s, Consumer<String> log) {
        TarflowConfig config = ConfigLoader.load(file, overrides);
        try (World world = World.fromEnvironment(config.train())) {
            if (world.size() == 1)
                throw new TarflowException(
                        "the data-parallel benchmark runs in the workers of 'tarflow bench train --nproc-per-node N'");
            try {
                Report report = measure(config, file, overrides, registry, world, s, log);
                world.finish();
                return report;
            } catch (RuntimeException e) {
                throw world.failure(e);
            }
        }
    }

    private static Report measure(
            TarflowConfig config,
            Path file,
            List<String> overrides,
            PluginRegistry registry,
            World world,
            Settings s,
            Consumer<String> log) {
        TrainingSetup dataParallel = TrainingSetup.of(config, TarflowModule.assembly(config, registry), world);
        world.requireSameConfig(dataParallel.resolvedConfig());
        GradientReducer reducer =
                new GradientReducer(world, dataParallel.model().module());
        TrainingSetup noSync = new TrainingSetup(
                config,
                dataParallel.corpus(),
                dataParallel.built(),
                dataParallel.optimizer(),
                dataParallel.sampler(),
                World.single(),
                dataParallel.placement());
        GradientReducer noReducer =
                new GradientReducer(World.single(), dataParallel.model().module());
        int threads = torch.get_num_threads();
        int cores = Runtime.getRuntime().availableProcessors();
        TrainingSetup single = null;
        GradientReducer singleReducer = null;
        if (world.isMain()) {
            List<String> doubled = new ArrayList<>(overrides);
            doubled.add("train.batch=" + config.train().batch() * world.size());
            TarflowConfig c = ConfigLoader.load(file, doubled);
            single = TrainingSetup.of(c, TarflowModule.assembly(c, registry), World.single());
            singleReducer = new GradientReducer(World.single(), single.model().module());
            single.model().module().train(true);
            Devices.threads(threads);
        }
        dataParallel.model().module().train(true);
        List<Tensor> gradients = gradientBuffers(dataParallel);
        long bytes = reducer.bytesPerStep();
        Timings t = new Timings();
        for (int r = 0; r < s.rounds(); r++) {
            int steps = s.share(s.steps(), r);
            int warmup = r == 0 ? s.warmup() : 0;
            if (world.isMain())
                log.accept("round " + (r + 1) + " of " + s.rounds() + ": " + steps + " data-parallel steps, " + steps
                        + " without gradient sync, " + s.share(s.repeats(), r) + " raw all-reduces of " + bytes
                        + " bytes, " + steps + " steps of one process on " + cores + " threads");
            for (int i = 0; i < warmup + steps; i++) { // alternating, so that both see the same load
                t.dataParallel.addAll(steps(dataParallel, reducer, world, i < warmup ? 1 : 0, i < warmup ? 0 : 1, t));
                t.noSync.addAll(steps(noSync, noReducer, world, i < warmup ? 1 : 0, i < warmup ? 0 : 1, t));
            }
            for (int i = 0; i < s.share(s.repeats(), r) + warmup; i++) {
                world.barrier();
                double seconds = Stopwatch.seconds(dataParallel.placement(), () -> gradients.forEach(world::allReduce));
                if (i >= warmup) t.allReduce.add(seconds);
                double wait = Stopwatch.seconds(dataParallel.placement(), world::barrier);
                if (i >= warmup) t.barrier.add(wait);
            }
            world.status("one-process baseline on rank 0");
            if (world.isMain()) {
                Devices.threads(cores);
                t.single.addAll(steps(single, singleReducer, World.single(), warmup, steps, t));
                Devices.threads(threads);
            }
            world.barrier();
        }
        return new Report(
                config.source(),
                DistributedBackend.forDevice(config.train().runtime().device()).name(),
                world.size(),
                threads,
                cores,
                config.train().batch(),
                config.train().accumulate(),
                dataParallel.globalBatch(),
                dataParallel.tokensPerStep(),
                bytes,
                reducer.bucketBytes(),
                median(t.dataParallel),
                median(t.noSync),
                median(t.single),
                median(t.allReduce),
                median(t.barrier),
                t.skipped);
    }

    private static final class Timings {
        final List<Double> dataParallel = new ArrayList<>();
        final List<Double> noSync = new ArrayList<>();
        final List<Double> single = new ArrayList<>();
        final List<Double> allReduce = new ArrayList<>();
        final List<Double> barrier = new ArrayList<>();
        int skipped;
        long step;
    }

    /**
     * {@code warmup} untimed, then {@code steps} timed optimizer steps, each between two barriers of {@code world}:
     * every kind of step then includes waiting for the slowest rank, and what separates them is communication.
     */
    private static List<Double> steps(
            TrainingSetup setup, GradientReducer reducer, World world, int warmup, int steps, Timings t) {
        if (setup == null) return List.of();
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < warmup + steps; i++) {
            world.barrier();
            double[] loss = new double[1];
            long step = t.step++;
            double seconds = Stopwatch.seconds(setup.placement(), () -> {
                loss[0] = Trainer.step(setup, reducer, step);
                world.barrier();
            });
            if (i < warmup) continue;
            if (Double.isFinite(loss[0])) out.add(seconds);
            else t.skipped++;
        }
        return out;
    }

    /**
     * One zero tensor per dtype of the trainable parameters, as many elements as they have together, on their device
     * (so that the all-reduce goes through the backend the gradients go through).
     */
    private static List<Tensor> gradientBuffers(TrainingSetup setup) {
        Map<torch.ScalarType, Long> elements = new LinkedHashMap<>();
        Placement where = null;
        try (PointerScope scope = new PointerScope()) {
            for (Tensor p : GradientReducer.parameters(setup.model().module()))
                if (p.requires_grad()) {
                    elements.merge(p.scalar_type().intern(), p.numel(), Long::sum);
                    if (where == null) where = Placement.of(p);
                }
        }
        List<Tensor> out = new ArrayList<>();
        for (Map.Entry<torch.ScalarType, Long> e : elements.entrySet())
            out.add(torch.zeros(new long[] {e.getValue()}, where.options(e.getKey())));
        return out;
    }

    private static double median(List<Double> values) {
        return Stopwatch.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
