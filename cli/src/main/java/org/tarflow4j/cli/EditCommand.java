package org.tarflow4j.cli;

import java.io.PrintWriter;
import java.util.List;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.config.SampleConfig;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.sample.Inversion;
import org.tarflow4j.trainer.sample.LatentEdit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "edit",
        mixinStandardHelpOptions = true,
        description = {
            "Edit a text in latent space: resample a span, or interpolate between two texts.",
            "Encodes the text, changes its latent at one layer (0 = z next to the data, L = the noise u) and decodes through the"
                    + " layers below.",
            "  --text T --span A:B   resample tokens A..B-1 at the layer with fresh model samples, keeping the rest of the latent",
            "  --from T1 --to T2     interpolate between two texts of equal length (spherically at the noise, linearly below)"
        })
final class EditCommand implements Runnable {
    @Mixin
    Common common;

    @Spec
    CommandSpec spec;

    @Mixin
    CheckpointArgs model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Edit edit;

    static final class Edit {
        @ArgGroup(exclusive = false)
        Resample resample;

        @ArgGroup(exclusive = false)
        Interpolate interpolate;
    }

    static final class Resample {
        @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The text to edit.")
        String text;

        @Option(
                names = "--span",
                required = true,
                paramLabel = "A:B",
                description = "Token positions to resample, B excluded (multiples of the patch).")
        String span;
    }

    static final class Interpolate {
        @Option(names = "--from", required = true, paramLabel = "TEXT", description = "Where the interpolation starts.")
        String from;

        @Option(
                names = "--to",
                required = true,
                paramLabel = "TEXT",
                description = "Where it ends (as many tokens as --from).")
        String to;
    }

    @Option(
            names = "--layer",
            paramLabel = "L",
            description = "The latent to change: 0 (z) to the number of layers (u, the default).")
    Integer layer;

    @Option(
            names = "--steps",
            paramLabel = "K",
            defaultValue = "5",
            description = "Interpolation: texts from --from to --to, both included (default: ${DEFAULT-VALUE}).")
    int steps;

    @Mixin
    NoiseArgs noise;

    @Option(names = "--json", description = "One JSON object per line instead of text.")
    boolean json;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        LoadedModel trained = model.load(common, spec.commandLine().getErr());
        SampleConfig c = trained.config().sample();
        Inversion how = noise.inversion(c);
        int l = layer != null ? layer : LatentEdit.noiseLayer(trained);
        List<String> texts;
        String original;
        if (edit.resample != null) {
            int[] span = LatentEdit.span(edit.resample.span);
            original = edit.resample.text;
            texts = LatentEdit.resample(
                    trained, original, l, span[0], span[1], noise.num(c), noise.temperature(c), noise.seed(c), how);
        } else {
            original = null;
            texts = LatentEdit.interpolate(trained, edit.interpolate.from, edit.interpolate.to, l, steps, how);
        }
        if (original != null && !json) out.println("original  " + original);
        for (int i = 0; i < texts.size(); i++) {
            if (json) out.println(Json.line(java.util.Map.of("layer", l, "index", i, "text", texts.get(i))));
            else
                out.printf(
                        "%-9s %s%n",
                        original != null ? "edit " + i : String.format("%.2f", i / (double) (texts.size() - 1)),
                        texts.get(i));
        }
    }
}
