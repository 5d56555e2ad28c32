package org.tarflow4j.trainer.sample;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.SampleConfig;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.FlowLayer;
import org.tarflow4j.trainer.model.Noise;
import org.tarflow4j.trainer.model.TarFlowLM;
import org.tarflow4j.trainer.train.Devices;

/**
 * Generates text with a trained model: a TarFlowLM through {@link FlowSampler}, the ar baseline token by token with
 * its cache. Checks the request against the model and turns the tokens into texts.
 */
public final class Generation {
    /** Refinement rounds for a prompt when some layer runs right to left. */
    public static final int DEFAULT_ROUNDS = 8;

    private Generation() {}

    /**
     * What to generate.
     *
     * @param length      tokens per sample, prompt included; 0 for the model's context
     * @param temperature flow: the noise scale T of {@code u ~ N(0, T² I)}; ar baseline: the softmax temperature
     *                    (0 for the most probable token)
     * @param draw        flow: draw each token from the tied decoder instead of taking the most probable
     * @param prompt      text to continue, or null
     * @param rounds      refinement rounds for a prompt when some layer runs right to left
     */
    public record Request(
            int num,
            int length,
            double temperature,
            boolean draw,
            Inversion inversion,
            long seed,
            String prompt,
            int rounds) {
        /** The defaults of {@code [sample]}, without a prompt. */
        public static Request of(SampleConfig c) {
            return new Request(
                    c.num(),
                    c.length(),
                    c.temperature(),
                    c.decode().equals("sample"),
                    Inversion.of(c),
                    c.seed(),
                    null,
                    DEFAULT_ROUNDS);
        }

        public Request with(Inversion other) {
            return new Request(num, length, temperature, draw, other, seed, prompt, rounds);
        }
    }

    /**
     * One generated text.
     *
     * @param promptKept the tokens begin with the prompt (always true without a prompt)
     */
    public record Sample(int[] ids, String text, boolean promptKept) {}

    /**
     * @param seconds    wall time of the generation alone (no loading, no decoding to text)
     * @param cpuSeconds CPU time of the calling thread over the same span: all the work when libtorch runs one thread
     *                   ({@code train.threads = 1}), and unlike wall time not inflated by other processes
     * @param jacobi  the Jacobi sweeps of each layer, from the noise side down (empty when sequential or ar)
     * @param rounds  refinement rounds used for a prompt (0 when not refined)
     * @param settled the refinement settled before its last round
     */
    /**
     * How one layer was inverted by Jacobi iteration.
     *
     * @param sweeps  parallel updates made, over all blocks
     * @param stepped positions finished one by one with the cache where the iteration stopped contracting
     */
    public record JacobiSweeps(int sweeps, long stepped) {
        static List<JacobiSweeps> of(List<FlowLayer.JacobiReport> reports) {
            return reports.stream()
                    .map(r -> new JacobiSweeps(r.sweeps(), r.stepped()))
                    .toList();
        }
    }

    public record Result(
            List<Sample> samples,
            int length,
            double seconds,
            double cpuSeconds,
            List<JacobiSweeps> jacobi,
            int rounds,
            boolean settled) {
        public double tokensPerSecond() {
            return samples.size() * (double) length / seconds;
        }

        public double tokensPerCpuSecond() {
            return samples.size() * (double) length / cpuSeconds;
        }

        /** The fraction of samples whose tokens begin with the prompt. */
        public double promptKept() {
            return samples.stream().filter(Sample::promptKept).count() / (double) samples.size();
        }
    }

    public static Result run(LoadedModel trained, Request r) {
        int length = r.length() > 0 ? r.length() : trained.context();
        if (r.num() < 1) throw new TarflowException("--num is " + r.num() + "; ask for at least one sample");
        if (length > trained.context())
            throw new TarflowException(
                    "--length " + length + " is longer than the model's context of " + trained.context() + " tokens");
        trained.requireWholePatches(length, "--length is");
        if (!(r.temperature() >= 0))
            throw new TarflowException("--temperature is " + r.temperature() + "; give a value >= 0");
        int[] prompt = r.prompt() == null ? new int[0] : prompt(trained, r.prompt(), length);
        try (PointerScope scope = new PointerScope()) {
            Noise noise = new Noise(r.seed());
            Tensor promptIds = trained.placement().longs(repeat(prompt, r.num()), r.num(), prompt.length);
            if (!trained.isFlow()) {
                Clock clock = new Clock(trained.placement());
                Tensor ids = trained.ar("generation").generate(promptIds, length, r.temperature(), noise);
                return new Result(
                        samples(trained, ids, prompt),
                        length,
                        clock.seconds(),
                        clock.cpuSeconds(),
                        List.of(),
                        0,
                        false);
            }
            return flow(trained, trained.flow("sampling"), r, length, prompt, promptIds, noise);
        }
    }

    private static Result flow(
            LoadedModel trained, TarFlowLM model, Request r, int length, int[] prompt, Tensor promptIds, Noise noise) {
        FlowSampler sampler = new FlowSampler(model, noise);
        Clock clock = new Clock(trained.placement());
        Tensor u = sampler.noise(r.num(), length / model.patch(), r.temperature());
        Tensor z;
        int rounds = 0;
        boolean settled = false;
        if (prompt.length == 0) {
            z = sampler.sample(u, r.inversion());
        } else if (sampler.leftToRight()) {
            z = sampler.continuePrompt(sampler.encode(promptIds), u, r.inversion());
        } else {
            FlowSampler.Refinement refined =
                    sampler.refinePrompt(sampler.encode(promptIds), u, r.inversion(), Math.max(1, r.rounds()));
            z = refined.z();
            rounds = refined.rounds();
            settled = refined.settled();
        }
        Tensor ids = sampler.decode(z, r.draw());
        return new Result(
                samples(trained, ids, prompt),
                length,
                clock.seconds(),
                clock.cpuSeconds(),
                JacobiSweeps.of(sampler.lastJacobi()),
                rounds,
                settled);
    }

    /**
     * Wall and thread CPU time since it was made, read after the device finished the work queued so far (the samples
     * are read back to the host right after, which would wait for it anyway).
     */
    private static final class Clock {
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final Placement placement;
        private final long wall;
        private final long cpu;
        private double seconds = Double.NaN;
        private double cpuSeconds;

        Clock(Placement placement) {
            this.placement = placement;
            Devices.synchronize(placement);
            wall = System.nanoTime();
            cpu = threads.getCurrentThreadCpuTime();
        }

        double seconds() {
            stop();
            return seconds;
        }

        double cpuSeconds() {
            stop();
            return cpuSeconds;
        }

        private void stop() {
            if (!Double.isNaN(seconds)) return;
            Devices.synchronize(placement);
            seconds = (System.nanoTime() - wall) / 1e9;
            cpuSeconds = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
        }
    }

    private static int[] prompt(LoadedModel trained, String text, int length) {
        int[] ids = trained.tokens(text, "--prompt");
        if (ids.length > trained.context())
            throw new TarflowException("--prompt has " + ids.length + " tokens, more than the model's context of "
                    + trained.context() + "; shorten it");
        if (ids.length >= length)
            throw new TarflowException(
                    "--prompt has " + ids.length + " tokens, which leaves nothing to generate in samples of " + length
                            + " (--length counts the prompt); raise --length or shorten the prompt");
        trained.requireWholePatches(ids.length, "--prompt has");
        return ids;
    }

    private static List<Sample> samples(LoadedModel trained, Tensor ids, int[] prompt) {
        List<Sample> out = new ArrayList<>();
        for (int[] row : rows(ids)) {
            boolean kept = Arrays.equals(row, 0, prompt.length, prompt, 0, prompt.length);
            out.add(new Sample(row, trained.text(row), kept));
        }
        return out;
    }

    /** The rows of a {@code [B, T]} integer tensor, read on the host. */
    static int[][] rows(Tensor ids) {
        int b = (int) ids.size(0);
        int t = (int) ids.size(1);
        long[] values = Placement.hostLongs(ids);
        int[][] out = new int[b][t];
        for (int i = 0; i < b; i++) for (int j = 0; j < t; j++) out[i][j] = (int) values[i * t + j];
        return out;
    }

    /** A {@code [1, T]} tensor of token ids on the model's device. */
    static Tensor tensor(LoadedModel trained, int[] ids) {
        return trained.placement().longs(repeat(ids, 1), 1, ids.length);
    }

    private static long[] repeat(int[] ids, int times) {
        long[] out = new long[ids.length * times];
        for (int i = 0; i < out.length; i++) out[i] = ids[i % ids.length];
        return out;
    }
}
