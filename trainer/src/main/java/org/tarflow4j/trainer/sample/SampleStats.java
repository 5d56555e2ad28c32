package org.tarflow4j.trainer.sample;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.data.Corpus;
import org.tarflow4j.data.TokenSplit;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.ArBaseline;

/**
 * Measures generation: speed (tokens per second of the generation alone, the median of three runs of each way taken
 * in turn after an untimed one; for a flow both sequential and Jacobi inversion of the same noise, and how far their
 * samples agree), the unigram entropy of the samples, and, with an ar baseline as judge, the bits per token it assigns
 * to the samples and to held-out text of the same length, and the judge's own generation of the same request, timed in
 * the same rounds, so that the two models' speeds are a ratio measured side by side.
 */
public final class SampleStats {
    /** Held-out windows scored for the reference figures (fewer when the test split is short). */
    static final int HELD_OUT_WINDOWS = 64;

    /** Timed runs of each way of generating, taken in turn after an untimed one; the median counts. */
    static final int ROUNDS = 3;

    /** How an ar baseline's generation is reported. */
    static final String AR_METHOD = "ar (kv cache)";

    private SampleStats() {}

    /**
     * @param method             {@code sequential}, {@code jacobi} or {@code ar (kv cache)}
     * @param tokensPerSecond    generated tokens (prompt included) per second of wall time
     * @param tokensPerCpuSecond the same per second of the calling thread's CPU time (see {@link Generation.Result})
     * @param jacobi             sweeps per layer from the noise side down, for Jacobi
     */
    public record Timing(
            String method,
            double seconds,
            double tokensPerSecond,
            double cpuSeconds,
            double tokensPerCpuSecond,
            List<Generation.JacobiSweeps> jacobi) {}

    /**
     * @param identicalSamples fraction of samples whose tokens are the same both ways
     * @param sameTokens       fraction of token positions that agree
     * @param speedup          sequential wall time over Jacobi wall time
     * @param cpuSpeedup       the same in CPU time
     */
    public record Agreement(double identicalSamples, double sameTokens, double speedup, double cpuSpeedup) {}

    /**
     * @param samplesBits  the judge's bits per token on the samples
     * @param heldOutBits  the judge's bits per token on held-out windows of the same length
     * @param characterLevel bits per token are bits per character (or byte)
     * @param generation   the judge generating as many samples of the same length, timed in turn with the measured
     *                     model's ways
     */
    public record Judgement(
            String checkpoint,
            double samplesBits,
            double heldOutBits,
            int heldOutWindows,
            boolean characterLevel,
            Timing generation) {}

    /**
     * @param timings        one per way of generating
     * @param agreement      sequential against Jacobi (null for the ar baseline)
     * @param entropy        unigram entropy of a sample's tokens, in nats, averaged over the samples
     * @param heldOutEntropy the same for held-out windows of the same length
     * @param judgement      null without a judge
     */
    public record Report(
            String checkpoint,
            int num,
            int length,
            List<Timing> timings,
            Agreement agreement,
            double entropy,
            double heldOutEntropy,
            Judgement judgement) {}

    /** The samples of the request's own method, and what was measured. */
    public record Measurement(Generation.Result samples, Report report) {}

    /**
     * Generates as {@code request} asks (for a flow both sequentially and by Jacobi iteration, with the request's
     * Jacobi settings or else those of {@code [sample]}), and measures the samples of the request's own method.
     *
     * @param judge an ar baseline with the same tokenizer, or null
     */
    public static Measurement measure(LoadedModel trained, Generation.Request request, LoadedModel judge) {
        if (judge != null) checkJudge(trained, judge);
        List<Way> ways = new ArrayList<>();
        if (trained.isFlow()) {
            Inversion jacobi = request.inversion().jacobi()
                    ? request.inversion()
                    : Inversion.jacobi(trained.config().sample());
            ways.add(new Way("sequential", trained, request.with(Inversion.SEQUENTIAL)));
            ways.add(new Way("jacobi", trained, request.with(jacobi)));
        } else {
            ways.add(new Way(AR_METHOD, trained, request));
        }
        int own = ways.size();
        if (judge != null) ways.add(new Way(AR_METHOD, judge, request));
        List<Generation.Result> results = timed(ways);
        List<Timing> timings = new ArrayList<>();
        for (int i = 0; i < own; i++) timings.add(ways.get(i).timing(results.get(i)));
        Agreement agreement = trained.isFlow() ? agreement(results.get(0), results.get(1)) : null;
        Generation.Result measured = trained.isFlow() && request.inversion().jacobi() ? results.get(1) : results.get(0);
        List<int[]> samples =
                measured.samples().stream().map(Generation.Sample::ids).toList();
        LoadedModel reference = judge != null ? judge : trained;
        List<int[]> heldOut = heldOut(reference, measured.length());
        Judgement judgement = judge == null
                ? null
                : new Judgement(
                        judge.checkpoint().toString(),
                        bits(judge, samples),
                        bits(judge, heldOut),
                        heldOut.size(),
                        judge.tokenizer().characterLevel(),
                        ways.get(own).timing(results.get(own)));
        return new Measurement(
                measured,
                new Report(
                        trained.checkpoint().toString(),
                        samples.size(),
                        measured.length(),
                        timings,
                        agreement,
                        entropy(samples),
                        entropy(heldOut),
                        judgement));
    }

    /** Unigram entropy of each sequence's tokens in nats, averaged over the sequences. */
    public static double entropy(List<int[]> sequences) {
        double sum = 0;
        for (int[] ids : sequences) {
            Map<Integer, Integer> counts = new HashMap<>();
            for (int id : ids) counts.merge(id, 1, Integer::sum);
            double h = 0;
            for (int c : counts.values()) {
                double p = c / (double) ids.length;
                h -= p * Math.log(p);
            }
            sum += h;
        }
        return sum / sequences.size();
    }

    /** The ar baseline's bits per token on sequences of one length. */
    public static double bits(LoadedModel judge, List<int[]> sequences) {
        ArBaseline ar = judge.ar("--judge");
        int length = sequences.get(0).length;
        long[] flat = new long[sequences.size() * length];
        for (int i = 0; i < sequences.size(); i++)
            for (int j = 0; j < length; j++) flat[i * length + j] = sequences.get(i)[j];
        try (PointerScope scope = new PointerScope();
                NoGradGuard ignored = new NoGradGuard()) {
            Tensor ids = judge.placement().longs(flat, sequences.size(), length);
            double nats = ar.logProbs(ids).gather(2, ids.unsqueeze(2)).mean().item_double();
            return -nats / Math.log(2);
        }
    }

    /** Windows of {@code length} tokens spread evenly over the test split of the model's corpus. */
    static List<int[]> heldOut(LoadedModel trained, int length) {
        TokenSplit test = Corpus.open(trained.config().data()).split("test");
        if (test.size() < length)
            throw new TarflowException(
                    "the test split of " + trained.config().data().source() + " has " + test.size()
                            + " tokens, fewer than one window of " + length);
        long windows = Math.min(HELD_OUT_WINDOWS, test.size() / length);
        long stride = test.size() / windows;
        List<int[]> out = new ArrayList<>();
        for (long i = 0; i < windows; i++) out.add(test.read(i * stride, length));
        return out;
    }

    private static void checkJudge(LoadedModel trained, LoadedModel judge) {
        if (judge.isFlow())
            throw new TarflowException(
                    "--judge " + judge.checkpoint() + " is not an ar baseline; train one with --set model.kind=ar");
        if (judge.context() < trained.context())
            throw new TarflowException("--judge " + judge.checkpoint() + " reads " + judge.context()
                    + " tokens at most, the samples may have " + trained.context()
                    + "; judge with an ar baseline of at least the same context");
        if (!judge.tokenizer().name().equals(trained.tokenizer().name()))
            throw new TarflowException("--judge " + judge.checkpoint() + " uses the tokenizer '"
                    + judge.tokenizer().name() + "', the samples '"
                    + trained.tokenizer().name() + "'; judge with an ar baseline of the same tokenizer");
    }

    /** One way of generating: a model, what to ask of it, and the name its timing is reported under. */
    private record Way(String method, LoadedModel model, Generation.Request request) {
        Generation.Result run() {
            return Generation.run(model, request);
        }

        Timing timing(Generation.Result r) {
            return new Timing(
                    method, r.seconds(), r.tokensPerSecond(), r.cpuSeconds(), r.tokensPerCpuSecond(), r.jacobi());
        }
    }

    /**
     * Runs every way once untimed, at the request's own size, then {@link #ROUNDS} times taking the ways in turn, and
     * returns each way's run of median wall time. Timed once after a short warm-up, the first way paid for the shapes
     * it met first: the same single stepped layer measured 1.6 – 1.8 times faster the second time through.
     */
    private static List<Generation.Result> timed(List<Way> ways) {
        for (Way way : ways) way.run();
        List<List<Generation.Result>> runs = new ArrayList<>();
        for (int i = 0; i < ways.size(); i++) runs.add(new ArrayList<>());
        for (int round = 0; round < ROUNDS; round++)
            for (int i = 0; i < ways.size(); i++) runs.get(i).add(ways.get(i).run());
        List<Generation.Result> medians = new ArrayList<>();
        for (List<Generation.Result> way : runs) {
            way.sort(Comparator.comparingDouble(Generation.Result::seconds));
            medians.add(way.get(way.size() / 2));
        }
        return medians;
    }

    private static Agreement agreement(Generation.Result a, Generation.Result b) {
        int identical = 0;
        long same = 0;
        long tokens = 0;
        for (int i = 0; i < a.samples().size(); i++) {
            int[] x = a.samples().get(i).ids();
            int[] y = b.samples().get(i).ids();
            if (java.util.Arrays.equals(x, y)) identical++;
            for (int j = 0; j < x.length; j++) if (x[j] == y[j]) same++;
            tokens += x.length;
        }
        return new Agreement(
                identical / (double) a.samples().size(),
                same / (double) tokens,
                a.seconds() / b.seconds(),
                a.cpuSeconds() / b.cpuSeconds());
    }
}
