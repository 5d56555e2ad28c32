package org.tarflow4j.trainer.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.trainer.checkpoint.LoadedModel;
import org.tarflow4j.trainer.model.ArBaseline;
import org.tarflow4j.trainer.model.Noise;

/** Requests from the command line: samples, prompts, the ar baseline's cached generation, and the errors a user can cause. */
class GenerationTest {
    private static Generation.Request request(int num, int length, String prompt) {
        return new Generation.Request(num, length, 1.0, false, Inversion.SEQUENTIAL, 3, prompt, 4);
    }

    @Test
    void flowSamplesHaveTheRequestedLengthAndArePrintable() {
        LoadedModel trained = TinyLoaded.build(TinyLoaded.MIXED);
        Generation.Result r = Generation.run(trained, request(3, 0, null));
        assertEquals(3, r.samples().size());
        for (Generation.Sample s : r.samples()) {
            assertEquals(12, s.ids().length, "length 0 is the context");
            assertEquals(12, s.text().length());
            assertTrue(s.promptKept());
        }
        Generation.Result again = Generation.run(trained, request(3, 0, null));
        assertArrayEquals(r.samples().get(2).ids(), again.samples().get(2).ids(), "the seed fixes the samples");
    }

    @Test
    void promptedSamplesOfLeftToRightStacksBeginWithThePrompt() {
        LoadedModel trained = TinyLoaded.build(TinyLoaded.LEFT_TO_RIGHT);
        Generation.Result r = Generation.run(trained, request(4, 10, "the "));
        assertEquals(1.0, r.promptKept(), "every sample keeps its prompt");
        for (Generation.Sample s : r.samples())
            assertTrue(s.text().startsWith("the ") && s.text().length() == 10, s.text());
    }

    @Test
    void promptedSamplesOfMixedStacksAreRefined() {
        LoadedModel trained = TinyLoaded.build(TinyLoaded.MIXED);
        Generation.Result r = Generation.run(trained, request(2, 12, "ab"));
        assertTrue(r.rounds() >= 2 && r.rounds() <= 4, "rounds " + r.rounds());
        assertEquals(2, r.samples().size());
    }

    /** Greedy generation with the cache picks, at every position after the prompt, the argmax of the full forward pass. */
    @Test
    void arBaselineGeneratesWithItsCache() {
        LoadedModel trained = TinyLoaded.build(TinyLoaded.MIXED, "model.kind=ar");
        ArBaseline ar = (ArBaseline) trained.model();
        try (PointerScope s = new PointerScope()) {
            Tensor prompt = Tensor.create(new long[] {20, 8, 5, 20, 8, 5}, 2, 3);
            Tensor ids = ar.generate(prompt, 12, 0, new Noise(0));
            assertEquals(12, ids.size(1));
            assertTrue(torch.equal(ids.narrow(1, 0, 3), prompt), "the prompt is kept");
            Tensor greedy = ar.logProbs(ids).argmax(new LongOptional(2), false);
            assertTrue(torch.equal(ids.narrow(1, 3, 9), greedy.narrow(1, 3, 9)), "cached greedy = full-pass argmax");
        }
        Generation.Result r =
                Generation.run(trained, new Generation.Request(2, 7, 1.0, false, Inversion.SEQUENTIAL, 1, "th", 1));
        assertTrue(
                r.samples().stream().allMatch(x -> x.text().startsWith("th") && x.ids().length == 7),
                r.samples().toString());
    }

    @Test
    void userErrorsAreClearMessages() {
        LoadedModel trained = TinyLoaded.build(TinyLoaded.MIXED);
        assertMessage(
                () -> Generation.run(trained, request(1, 7, null)),
                "--length is 7 tokens, which is not a multiple of the patch size 2");
        assertMessage(
                () -> Generation.run(trained, request(1, 14, null)),
                "--length 14 is longer than the model's context of 12 tokens");
        assertMessage(
                () -> Generation.run(trained, request(1, 12, "a much longer prompt")),
                "--prompt has 20 tokens, more than the model's context of 12");
        assertMessage(
                () -> Generation.run(trained, request(1, 6, "abcdef")),
                "--prompt has 6 tokens, which leaves nothing to generate");
        assertMessage(
                () -> Generation.run(trained, request(1, 12, "abc")),
                "--prompt has 3 tokens, which is not a multiple of the patch size 2");
        assertMessage(
                () -> Generation.run(trained, request(1, 12, "Ab")),
                "--prompt has symbols outside the text8 vocabulary (27 symbols): at character 1, 'Ab' reads as 'ab'");
        assertMessage(
                () -> Generation.run(trained, request(1, 12, "a  b")), "write it as the tokenizer reads it: \"a b\"");
        assertMessage(
                () -> Trace.of(TinyLoaded.build(TinyLoaded.MIXED, "model.kind=ar"), List.of("ab")),
                "the multi-pass view needs a flow model");
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        String m = assertThrows(TarflowException.class, call).getMessage();
        assertTrue(m.contains(expected), m);
    }
}
