package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.SampleConfig;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.sample.Trace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "trace",
        mixinStandardHelpOptions = true,
        description = {
            "The multi-pass view: a text's latent after every flow layer, decoded.",
            "Encodes the text, decodes its latent after every layer with the tied decoder, from the noise u down to the data-side z"
                    + " (coarse to fine), with per-layer geometry (paper Appendix G): mean L2 norm, mean pairwise cosine similarity"
                    + " within a sequence, participation ratio of the token covariance, centroid shift from the layer below.",
            "With --sample instead of --text: draws noise and shows a sample's latents in generation order, noise u = h_L,"
                    + " then the latent after inverting each layer, down to the text (the sample `tarflow sample` draws with the"
                    + " same --seed, --temperature, --length and inversion, argmax decoding).",
            "Latents are decoded in the data's channel arrangement: the channel mixers of the layers below are undone and"
                    + " patches split into tokens.",
            "Also writes the view as JSON to trace.json next to the checkpoint."
        })
final class TraceCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointArgs model;

    @Option(
            names = "--text",
            paramLabel = "TEXT",
            description =
                    "A text to trace (repeat for several; the statistics cover them all). A whole number of patches, at most the context.")
    List<String> texts = new ArrayList<>();

    @Option(
            names = "--sample",
            description =
                    "Trace samples instead of texts, in generation order: noise, then each layer inverted, down to the text"
                            + " (--num, --seed, --temperature, --jacobi as for `tarflow sample`).")
    boolean sample;

    @Option(
            names = "--length",
            paramLabel = "L",
            description = "With --sample: tokens per sample (default: sample.length, 0 = the context).")
    Integer length;

    @Mixin
    NoiseArgs noise;

    @Option(names = "--json", description = "Print the view as JSON instead of text.")
    boolean json;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        LoadedModel trained = model.load(common, spec.commandLine().getErr());
        if (sample == !texts.isEmpty())
            throw new TarflowException("trace needs either --text TEXT or --sample (not both): what to trace");
        List<Trace.Layer> view;
        List<String> traced;
        if (sample) {
            SampleConfig c = trained.config().sample();
            view = Trace.ofSamples(
                    trained,
                    noise.num(c),
                    length != null ? length : c.length(),
                    noise.temperature(c),
                    noise.seed(c),
                    noise.inversion(c));
            traced = view.get(view.size() - 1).texts();
            if (!json) out.println("generation order: noise u, then each layer inverted, down to the sample's text");
        } else {
            view = Trace.of(trained, texts);
            traced = texts;
        }
        Path file = Trace.write(trained, traced, view);
        if (json) {
            out.println(Json.pretty(view));
            return;
        }
        for (Trace.Layer l : view) {
            out.printf(
                    "layer %d (%s)  norm %.3f  cosine %.3f  participation ratio %.2f%s%n",
                    l.layer(),
                    l.name(),
                    l.meanNorm(),
                    l.meanCosine(),
                    l.participationRatio(),
                    l.centroidShift() == null ? "" : String.format("  centroid shift %.3f", l.centroidShift()));
            for (String t : l.texts()) out.println("  " + t.replace("\n", "\\n"));
        }
        spec.commandLine().getErr().println("written to " + file);
    }
}
