package org.tarflow4j.trainer.train;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.junit.jupiter.api.Test;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.trainer.model.LanguageModel;
import org.tarflow4j.trainer.model.TiedDecoder;
import org.tarflow4j.trainer.model.TinyModels;

/**
 * The memory estimate of a training step: which terms it counts and how they scale, and the refusal of a config that
 * does not fit, with the fix. Its accuracy against measured peaks is {@code tarflow bench memory}'s (within 25%).
 */
class MemoryEstimateTest {
    private static final double GIB = 1L << 30;

    private static MemoryEstimate estimate(String toml, int vocab, String... overrides) {
        TarflowConfig config = ConfigLoader.parse(toml, "tiny.toml", List.of(overrides));
        try (PointerScope scope = new PointerScope()) {
            LanguageModel model = TinyModels.build(config, vocab).model();
            return MemoryEstimate.of(config, model);
        }
    }

    @Test
    void everyBuiltInComponentStatesItsMemory() {
        MemoryEstimate flow = estimate(TinyModels.STACK, 50, "train.batch=4");
        assertTrue(flow.notCounted().isEmpty(), "not counted: " + flow.notCounted());
        for (String term : List.of(
                "parameters and gradients",
                "AdamW moments",
                "backbone activations",
                "couplings (with [B, T, V] terms)",
                "tied decoder [positions, V] chunk"))
            assertTrue(flow.terms().get(term) > 0, term + " is counted: " + flow.terms());
        assertEquals(flow.terms().get("parameters and gradients"), flow.terms().get("AdamW moments"), "two moments");
        MemoryEstimate ar = estimate(TinyModels.STACK, 50, "model.kind=ar", "train.batch=4");
        assertEquals(
                (double) MemoryEstimate.AR_VOCAB_TENSORS * 4 * 16 * 50 * Float.BYTES,
                ar.terms().get("read-out [B, T, V] logits"));
    }

    @Test
    void activationsGrowWithTheBatchAndTheVocabularyTermsWithV() {
        MemoryEstimate small = estimate(TinyModels.STACK, 50, "train.batch=4");
        MemoryEstimate large = estimate(TinyModels.STACK, 50, "train.batch=8");
        for (String term : List.of("backbone activations", "couplings (with [B, T, V] terms)", "latents"))
            assertEquals(
                    2 * small.terms().get(term),
                    large.terms().get(term),
                    1e-6 * large.terms().get(term),
                    term);
        assertEquals(small.terms().get("AdamW moments"), large.terms().get("AdamW moments"));
        MemoryEstimate wide = estimate(TinyModels.STACK, 500, "train.batch=4");
        double ratio = wide.terms().get("couplings (with [B, T, V] terms)")
                / small.terms().get("couplings (with [B, T, V] terms)");
        assertTrue(
                ratio > 5 && ratio <= 10,
                "the couplings' terms grow with V (Mix-d's 10×, the Mix-1 layer's not at all): " + ratio);
    }

    @Test
    void theTiedDecoderHoldsOneChunkAtVocabularySize() {
        long positions = 16 * 128;
        double bytes = TiedDecoder.trainingBytes(positions, 50_257, Double.BYTES);
        assertTrue(bytes <= TiedDecoder.CHUNK_BYTES + 2.0 * positions * Double.BYTES, "one chunk: " + bytes);
        assertEquals(
                TiedDecoder.trainingBytes(2 * positions, 50_257, Double.BYTES) - bytes,
                2.0 * positions * Double.BYTES,
                1e-6,
                "beyond the chunk only the latents' gradient grows with the positions");
    }

    @Test
    void aConfigThatDoesNotFitIsRefusedWithTheFix() {
        String toml = TinyModels.STACK + "[train]\nbatch = 8\naccumulate = 2\n";
        TarflowConfig config = ConfigLoader.parse(toml, "tiny.toml", List.of());
        MemoryEstimate e = estimate(toml, 50);
        double fixed = e.terms().get("runtime (JVM, libtorch)")
                + e.terms().get("parameters and gradients")
                + e.terms().get("AdamW moments");
        double perSequence = (e.bytes() - fixed) / 8;
        assertDoesNotThrow(() -> e.check(config, e.bytes(), "the test's memory"));
        TarflowException refused = assertThrows(
                TarflowException.class, () -> e.check(config, fixed + 3.5 * perSequence, "the test's memory"));
        String m = refused.getMessage();
        assertTrue(m.contains(String.format("%.1f GiB", e.bytes() / GIB)), m);
        assertTrue(m.contains("--set train.batch=2 --set train.accumulate=8 (the same 16 sequences a step)"), m);
        assertFalse(m.contains("\n"), "one line: " + m);
        TarflowException none = assertThrows(
                TarflowException.class, () -> e.check(config, fixed + 0.5 * perSequence, "the test's memory"));
        assertTrue(none.getMessage().contains("a shorter model.context"), none.getMessage());
    }
}
