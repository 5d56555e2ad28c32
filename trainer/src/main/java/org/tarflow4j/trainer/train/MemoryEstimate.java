package org.tarflow4j.trainer.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.trainer.model.ArBaseline;
import org.tarflow4j.trainer.model.FlowLayer;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.Parameters;
import org.tarflow4j.trainer.model.TarFlowLM;
import org.tarflow4j.trainer.model.TiedDecoder;

/**
 * The peak memory of one training step of a configuration, estimated before the run from the built model: the
 * parameters and their gradients, AdamW's two moments, the activations each backbone and coupling states it keeps for
 * a micro-batch ({@code train.batch} sequences; gradient accumulation does not add to it), the vocabulary-sized
 * terms (a tied Mix-d layer's mixture logits, the tied decoder's chunk, the ar baseline's logits) and the process's
 * own footprint (the JVM and libtorch, {@link #RUNTIME_BYTES}). {@code tarflow bench memory} measures it against the
 * peak resident memory of real steps.
 *
 * @param terms      bytes per term, in the order reports print them
 * @param notCounted components that do not state their working memory (plugins built for API 1.2 or older)
 */
public record MemoryEstimate(Map<String, Double> terms, List<String> notCounted) {
    /**
     * Resident memory of the process besides the model: the JVM with its heap in use and libtorch's libraries (217 MiB
     * measured by {@code tarflow bench memory} after libtorch's first operation, before any model), and the code pages
     * of the kernels a training step brings in.
     */
    public static final double RUNTIME_BYTES = 0.3 * (1L << 30);

    /** {@code [positions, V]} float32 tensors the ar baseline's step holds: logits, log-probabilities, their gradients. */
    public static final int AR_VOCAB_TENSORS = 4;

    /** Float64 {@code [positions, C]} tensors each flow layer keeps around its coupling (input, output, log-det, grads). */
    private static final int LATENT_TENSORS = 8;

    private static final double GIB = 1L << 30;

    public double bytes() {
        return terms.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    public double gibibytes() {
        return bytes() / GIB;
    }

    /** The estimate of {@code model} built for {@code config}. */
    public static MemoryEstimate of(TarflowConfig config, LanguageModel model) {
        long batch = config.train().batch();
        long context = config.model().context();
        Map<String, Double> terms = new LinkedHashMap<>();
        List<String> notCounted = new ArrayList<>();
        double parameters = 0;
        for (Tensor p : Parameters.of(model.module())) parameters += (double) p.numel() * p.element_size();
        terms.put("runtime (JVM, libtorch)", RUNTIME_BYTES);
        terms.put("parameters and gradients", 2 * parameters);
        terms.put("AdamW moments", 2 * parameters);
        double backbones = 0;
        for (int i = 0; i < model.backbones().size(); i++) {
            Backbone b = model.backbones().get(i);
            long positions = model instanceof TarFlowLM ? context / model.patch() : context;
            double bytes = b.trainingBytes(batch, positions);
            if (Double.isNaN(bytes)) notCounted.add("backbone " + i);
            else backbones += bytes;
        }
        terms.put("backbone activations", backbones);
        if (model instanceof TarFlowLM flow) {
            long positions = batch * (context / flow.patch());
            double couplings = 0;
            double latents = 0;
            for (int i = 0; i < flow.activeLayers(); i++) {
                FlowLayer layer = flow.layers().get(i);
                double bytes = layer.coupling().trainingBytes(positions);
                if (Double.isNaN(bytes)) notCounted.add("coupling of flow[" + i + "]");
                else couplings += bytes;
                latents += (double) LATENT_TENSORS
                        * batch
                        * context
                        * flow.encoder().latent()
                        * Double.BYTES;
            }
            terms.put("couplings (with [B, T, V] terms)", couplings);
            terms.put("latents", latents);
            terms.put(
                    "tied decoder [positions, V] chunk",
                    TiedDecoder.trainingBytes(
                            batch * context,
                            flow.encoder().vocabSize(),
                            flow.encoder().density().bytes()));
        } else if (model instanceof ArBaseline ar) {
            terms.put(
                    "read-out [B, T, V] logits",
                    (double) AR_VOCAB_TENSORS * batch * context * ar.vocabSize() * Float.BYTES);
        }
        return new MemoryEstimate(terms, List.copyOf(notCounted));
    }

    /** The estimate as {@code tarflow config check} prints it: a TOML comment block. */
    public String describe(TarflowConfig config) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                "# estimated peak memory of a training step: %.2f GiB (train.batch = %d sequences of %d tokens)%n",
                gibibytes(), config.train().batch(), config.model().context()));
        terms.forEach((name, bytes) -> s.append(String.format("#   %-34s %9.3f GiB%n", name, bytes / GIB)));
        for (String c : notCounted) s.append("#   not counted: ").append(c).append(" does not state its memory\n");
        return s.toString();
    }

    /**
     * Refuses a run whose estimate exceeds {@code capacityBytes} (what the device can give the process), naming the
     * estimate and the fix.
     */
    public void check(TarflowConfig config, double capacityBytes, String device) {
        if (bytes() <= capacityBytes) return;
        int batch = config.train().batch();
        int accumulate = config.train().accumulate();
        double perSequence = (bytes() - fixedBytes()) / batch;
        int fits = (int) Math.max(0, Math.floor((capacityBytes - fixedBytes()) / perSequence));
        String fix;
        if (fits >= 1) {
            int micro = largestDivisorAtMost(batch, fits);
            fix = "--set train.batch=" + micro + " --set train.accumulate=" + (long) accumulate * (batch / micro)
                    + " (the same " + (long) batch * accumulate + " sequences a step)";
        } else fix = "a shorter model.context (memory grows with the tokens of a micro-batch)";
        throw new TarflowException(String.format(
                "a training step of this config needs about %.1f GiB (%s), more than the %.1f GiB %s can give"
                        + " (%s); use %s",
                gibibytes(),
                largest(),
                capacityBytes / GIB,
                device,
                "train.batch = " + batch + " × model.context = "
                        + config.model().context(),
                fix));
    }

    /** Bytes that do not grow with the batch: the runtime, parameters, gradients and moments. */
    private double fixedBytes() {
        return terms.getOrDefault("runtime (JVM, libtorch)", 0.0)
                + terms.getOrDefault("parameters and gradients", 0.0)
                + terms.getOrDefault("AdamW moments", 0.0);
    }

    private String largest() {
        var max = terms.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        return String.format("the largest term: %s, %.1f GiB", max.getKey(), max.getValue() / GIB);
    }

    private static int largestDivisorAtMost(int n, int limit) {
        for (int d = Math.min(n, limit); d > 1; d--) if (n % d == 0) return d;
        return 1;
    }

    /**
     * Memory the CPU can give this process: its resident memory now plus what the kernel reports available
     * ({@code MemAvailable}); infinite where {@code /proc/meminfo} is not there.
     */
    public static double cpuCapacityBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo")))
                if (line.startsWith("MemAvailable:"))
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024.0
                            + Math.max(0, PeakMemory.residentMebibytes()) * (1 << 20);
        } catch (IOException | NumberFormatException e) {
            return Double.POSITIVE_INFINITY;
        }
        return Double.POSITIVE_INFINITY;
    }
}
