package org.tarflow4j.trainer.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tarflow4j.trainer.sample.GenerationTest.assertMessage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tarflow4j.trainer.checkpoint.LoadedModel;

/** The multi-pass view and editing in latent space. */
class TraceAndEditTest {
    private static final String TEXT = "the cat sat ";
    private static final String OTHER = "a dog ran in";

    @Test
    void traceDecodesEveryLatentFromNoiseToData() {
        LoadedModel trained = TinyLoaded.build(TinyLoaded.MIXED);
        List<Trace.Layer> view = Trace.of(trained, List.of(TEXT, OTHER));
        assertEquals(List.of(3, 2, 1, 0), view.stream().map(Trace.Layer::layer).toList(), "coarse to fine");
        assertEquals(
                List.of("u", "h2", "h1", "z"),
                view.stream().map(Trace.Layer::name).toList());
        Trace.Layer z = view.get(3);
        assertEquals(List.of(TEXT, OTHER), z.texts(), "the data-side latents (encoder means) decode to the texts");
        assertNull(z.centroidShift());
        for (Trace.Layer l : view) {
            assertTrue(l.participationRatio() >= 1 - 1e-9 && l.participationRatio() <= 2 + 1e-9, "1 <= PR <= d: " + l);
            assertTrue(l.meanCosine() >= -1 && l.meanCosine() <= 1 && l.meanNorm() > 0, l.toString());
        }
    }

    /**
     * Layers that are the identity (zero-initialised affine couplings) leave every latent a rearrangement of z by the
     * channel mixers: each must decode to the text itself, for patches of 1 and 2 tokens and both mixers. With the
     * mixers not undone, an even-odd mixer scrambles the channels (and, with patches, swaps channels between tokens).
     */
    @ParameterizedTest(name = "patch {0}, mixer {1}")
    @CsvSource({"1, even-odd", "2, even-odd", "1, identity", "2, identity"})
    void identityLayersDecodeTheTextAtEveryLayer(int patch, String mixer) {
        String toml = """
                [model]
                latent = 3
                patch = %d
                context = 12
                [[flow]]
                coupling = "affine"
                [[flow]]
                coupling = "affine"
                [[flow]]
                coupling = "affine"
                [backbones.transformer]
                depth = 1
                width = 16
                heads = 2
                [train]
                seed = 5
                """.formatted(patch);
        LoadedModel trained = TinyLoaded.build(toml, "flow[*].mixer=" + mixer);
        List<Trace.Layer> view = Trace.of(trained, List.of(TEXT, OTHER));
        assertEquals(4, view.size());
        for (Trace.Layer l : view) assertEquals(List.of(TEXT, OTHER), l.texts(), l.name());
        for (Trace.Layer l : view.subList(0, 3))
            assertEquals(0, l.centroidShift(), 1e-12, "identity layers do not move the token vectors: " + l.name());
    }

    /**
     * The view of a sample in generation order: noise, each layer inverted, down to the text, which is the sample
     * {@link Generation} draws with the same seed, length, temperature and inversion.
     */
    @Test
    void sampleViewEndsAtTheSampleGenerationDraws() {
        LoadedModel trained = TinyLoaded.randomised(TinyLoaded.MIXED);
        List<Trace.Layer> view = Trace.ofSamples(trained, 2, 8, 0.7, 13, Inversion.SEQUENTIAL);
        assertEquals(
                List.of("u", "h2", "h1", "z"),
                view.stream().map(Trace.Layer::name).toList());
        Generation.Result drawn =
                Generation.run(trained, new Generation.Request(2, 8, 0.7, false, Inversion.SEQUENTIAL, 13, null, 1));
        assertEquals(
                drawn.samples().stream().map(Generation.Sample::text).toList(),
                view.get(3).texts());
        for (Trace.Layer l : view) assertEquals(2, l.texts().size());
        assertMessage(() -> Trace.ofSamples(trained, 1, 7, 1, 0, Inversion.SEQUENTIAL), "--length is 7");
    }

    @Test
    void traceIsWrittenAsJsonNextToTheCheckpoint(@TempDir Path dir) throws Exception {
        LoadedModel tiny = TinyLoaded.build(TinyLoaded.MIXED);
        LoadedModel trained = new LoadedModel(dir.resolve("last.ckpt"), tiny.config(), tiny.model(), tiny.tokenizer());
        Path file = Trace.write(trained, List.of(TEXT), Trace.of(trained, List.of(TEXT)));
        assertEquals(dir.resolve("trace.json"), file);
        String json = Files.readString(file);
        assertTrue(
                json.contains("\"participation_ratio\"")
                        && json.contains("\"centroid_shift\"")
                        && json.contains("\"" + TEXT + "\""),
                json);
    }

    /**
     * Four unit vectors along ±x and ±y: norm 1, mean cosine over the 12 ordered pairs −1/3, isotropic covariance so a
     * participation ratio of 2; moved by (3, 4) from the layer below: centroid shift 5. Tolerance 1e-12.
     */
    @Test
    void statisticsOfKnownVectors() {
        try (PointerScope s = new PointerScope()) {
            Tensor x = Tensor.create(new double[] {1, 0, 0, 1, -1, 0, 0, -1}, 1, 4, 2);
            Tensor below = x.sub(Tensor.create(new double[] {3, 4}));
            Trace.Statistics st = Trace.Statistics.of(List.of(x), List.of(below));
            assertEquals(1.0, st.meanNorm(), 1e-12);
            assertEquals(-1.0 / 3, st.meanCosine(), 1e-12);
            assertEquals(2.0, st.participationRatio(), 1e-12);
            assertEquals(5.0, st.centroidShift(), 1e-12);
        }
    }

    /** Resampling tokens 4..8 of z replaces exactly those tokens and no other. */
    @Test
    void resamplingASpanOfZKeepsTheRest() {
        LoadedModel trained = TinyLoaded.build(TinyLoaded.MIXED);
        List<String> edits = LatentEdit.resample(trained, TEXT, 0, 4, 8, 5, 1.0, 9, Inversion.SEQUENTIAL);
        assertEquals(5, edits.size());
        boolean changed = false;
        for (String e : edits) {
            assertEquals(TEXT.substring(0, 4), e.substring(0, 4), e);
            assertEquals(TEXT.substring(8), e.substring(8), e);
            changed |= !e.substring(4, 8).equals(TEXT.substring(4, 8));
        }
        assertTrue(changed, "some edit changed the span: " + edits);
    }

    /**
     * At the noise and at a middle layer, the two ends of an interpolation decode to the two texts (every layer
     * perturbed from its initial values, so the right-to-left layer is inverted for real).
     */
    @Test
    void interpolationEndsAtBothTexts() {
        LoadedModel trained = TinyLoaded.randomised(TinyLoaded.MIXED);
        for (int layer : new int[] {3, 1}) {
            List<String> path = LatentEdit.interpolate(trained, TEXT, OTHER, layer, 4, Inversion.SEQUENTIAL);
            assertEquals(4, path.size());
            assertEquals(TEXT, path.get(0), "layer " + layer);
            assertEquals(OTHER, path.get(3), "layer " + layer);
        }
    }

    @Test
    void editErrorsAreClearMessages() {
        LoadedModel trained = TinyLoaded.build(TinyLoaded.MIXED);
        assertMessage(
                () -> LatentEdit.resample(trained, TEXT, 4, 0, 2, 1, 1, 0, Inversion.SEQUENTIAL),
                "--layer 4 is out of range: this model has 3 flow layers");
        assertMessage(
                () -> LatentEdit.resample(trained, TEXT, -1, 0, 2, 1, 1, 0, Inversion.SEQUENTIAL),
                "--layer -1 is out of range");
        assertMessage(
                () -> LatentEdit.resample(trained, TEXT, 1, 6, 4, 1, 1, 0, Inversion.SEQUENTIAL),
                "--span 6:4 is not a span of the text's 12 tokens");
        assertMessage(
                () -> LatentEdit.resample(trained, TEXT, 1, 10, 14, 1, 1, 0, Inversion.SEQUENTIAL),
                "--span 10:14 is not a span");
        assertMessage(
                () -> LatentEdit.resample(trained, TEXT, 1, 1, 4, 1, 1, 0, Inversion.SEQUENTIAL),
                "--span 1:4 cuts a patch");
        assertMessage(
                () -> LatentEdit.resample(trained, "the cat", 1, 0, 2, 1, 1, 0, Inversion.SEQUENTIAL),
                "--text has 7 tokens, which is not a multiple of the patch size 2");
        assertMessage(
                () -> LatentEdit.resample(trained, "the cat sat on the mat", 1, 0, 2, 1, 1, 0, Inversion.SEQUENTIAL),
                "--text has 22 tokens, more than the model's context of 12");
        assertMessage(
                () -> LatentEdit.interpolate(trained, TEXT, "a dog ", 3, 4, Inversion.SEQUENTIAL),
                "--from has 12 tokens and --to has 6");
        assertMessage(() -> LatentEdit.interpolate(trained, TEXT, OTHER, 3, 1, Inversion.SEQUENTIAL), "--steps is 1");
        assertMessage(() -> LatentEdit.span("4-8"), "--span '4-8' is not START:END");
        assertMessage(() -> LatentEdit.span("a:8"), "--span 'a:8' is not START:END");
        assertEquals(
                List.of(4, 8),
                java.util.Arrays.stream(LatentEdit.span("4:8")).boxed().toList());
    }
}
