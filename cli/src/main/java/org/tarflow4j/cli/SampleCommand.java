package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.config.SampleConfig;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.sample.Generation;
import org.tarflow4j.trainer.sample.SampleStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "sample",
        mixinStandardHelpOptions = true,
        description = {
            "Generate text from a trained model (flow or ar baseline).",
            "A flow inverts noise u ~ N(0, T² I) through its layers and decodes the latents with the tied decoder; the ar"
                    + " baseline generates token by token with its cache. Defaults come from the checkpoint's [sample] table.",
            "With --prompt, a stack whose layers all run left to right continues the prompt exactly; a stack with right-to-left"
                    + " layers refines its sample with the prompt's latents clamped (--rounds), and reports whether the prompt came back."
        })
final class SampleCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointArgs model;

    @Option(
            names = "--length",
            paramLabel = "L",
            description = "Tokens per sample, prompt included (default: sample.length, 0 = the context).")
    Integer length;

    @Mixin
    NoiseArgs noise;

    @Option(
            names = "--decode",
            paramLabel = "argmax|sample",
            description = "Flow: most probable token, or a draw from the tied decoder (default: sample.decode).")
    String decode;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text the samples continue.")
    String prompt;

    @Option(
            names = "--rounds",
            paramLabel = "R",
            defaultValue = "" + Generation.DEFAULT_ROUNDS,
            description =
                    "Refinement rounds for a prompt when some layer runs right to left (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--json", description = "One JSON object per line instead of text.")
    boolean json;

    @Option(
            names = "--stats",
            description = "Also measure: tokens/s (flow: sequential and Jacobi on the same noise; the median of three"
                    + " runs of each, taken in turn after an untimed one), unigram entropy, and with --judge"
                    + " bits per token.")
    boolean stats;

    @Option(
            names = "--judge",
            paramLabel = "AR_RUN",
            description =
                    "An ar baseline run that scores the samples and held-out text of the same length, and generates"
                            + " as many samples in turn with them for the speed ratio (implies --stats).")
    Path judge;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        LoadedModel trained = model.load(common, spec.commandLine().getErr());
        Generation.Request request = request(trained.config().sample());
        if (stats || judge != null) {
            LoadedModel judgeModel =
                    judge == null ? null : Tarflow.load(judge, List.of(), common.registry(), model.device);
            SampleStats.Measurement m = SampleStats.measure(trained, request, judgeModel);
            print(out, m.samples());
            if (json) out.println(Json.line(Map.of("stats", m.report())));
            else describe(out, m.report());
        } else {
            print(out, Generation.run(trained, request));
        }
    }

    private Generation.Request request(SampleConfig c) {
        if (decode != null && !decode.equals("argmax") && !decode.equals("sample"))
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--decode is '" + decode + "'; give argmax or sample");
        return new Generation.Request(
                noise.num(c),
                length != null ? length : c.length(),
                noise.temperature(c),
                (decode != null ? decode : c.decode()).equals("sample"),
                noise.inversion(c),
                noise.seed(c),
                prompt,
                rounds);
    }

    private void print(PrintWriter out, Generation.Result r) {
        for (int i = 0; i < r.samples().size(); i++) {
            Generation.Sample s = r.samples().get(i);
            if (json) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("index", i);
                line.put("text", s.text());
                line.put("tokens", s.ids().length);
                if (prompt != null) line.put("prompt_kept", s.promptKept());
                out.println(Json.line(line));
            } else {
                out.println(s.text().replace("\n", "\\n"));
            }
        }
        if (prompt != null && !json) {
            spec.commandLine()
                    .getErr()
                    .printf(
                            "prompt kept in %d of %d samples%s%n",
                            r.samples().stream()
                                    .filter(Generation.Sample::promptKept)
                                    .count(),
                            r.samples().size(),
                            r.rounds() == 0
                                    ? " (exact continuation)"
                                    : " (refined in " + r.rounds() + " rounds"
                                            + (r.settled() ? ", settled)" : ", not settled)"));
        }
    }

    private static void describe(PrintWriter out, SampleStats.Report r) {
        out.printf("%d samples of %d tokens from %s%n", r.num(), r.length(), r.checkpoint());
        for (SampleStats.Timing t : r.timings()) {
            String sweeps = t.jacobi().isEmpty()
                    ? ""
                    : "; per layer from the noise side: sweeps (+ positions stepped) "
                            + t.jacobi().stream()
                                    .map(j -> j.sweeps() + (j.stepped() > 0 ? "+" + j.stepped() : ""))
                                    .collect(Collectors.joining(", "));
            out.printf(
                    "  %-14s %8.3f s %9.1f tokens/s   cpu %8.3f s %9.1f tokens/s%s%n",
                    t.method(), t.seconds(), t.tokensPerSecond(), t.cpuSeconds(), t.tokensPerCpuSecond(), sweeps);
        }
        if (r.agreement() != null)
            out.printf(
                    "  jacobi vs sequential: %.0f%% of samples identical, %.2f%% of tokens; speed-up %.2fx (cpu %.2fx)%n",
                    100 * r.agreement().identicalSamples(),
                    100 * r.agreement().sameTokens(),
                    r.agreement().speedup(),
                    r.agreement().cpuSpeedup());
        out.printf(
                "  unigram entropy: %.3f nats per sample (%.3f bits); held-out text %.3f nats (%.3f bits)%n",
                r.entropy(), r.entropy() / Math.log(2), r.heldOutEntropy(), r.heldOutEntropy() / Math.log(2));
        SampleStats.Judgement j = r.judgement();
        if (j != null) {
            String unit = j.characterLevel() ? "bits/char" : "bits/token";
            out.printf(
                    "  judge %s: %.4f %s on the samples, %.4f on held-out text (%d windows)%n",
                    j.checkpoint(), j.samplesBits(), unit, j.heldOutBits(), j.heldOutWindows());
            SampleStats.Timing g = j.generation();
            out.printf(
                    "  judge generating the same (timed in turn): %.3f s %9.1f tokens/s   cpu %8.3f s %9.1f tokens/s; %s%n",
                    g.seconds(),
                    g.tokensPerSecond(),
                    g.cpuSeconds(),
                    g.tokensPerCpuSecond(),
                    r.timings().stream()
                                    .map(t -> String.format(
                                            Locale.ROOT,
                                            "%s %.2fx (cpu %.2fx)",
                                            t.method(),
                                            t.tokensPerSecond() / g.tokensPerSecond(),
                                            t.tokensPerCpuSecond() / g.tokensPerCpuSecond()))
                                    .collect(Collectors.joining(", "))
                            + " of its speed");
        }
    }
}
