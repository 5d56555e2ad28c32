package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.Backbone;
import org.tarflow4j.api.BackboneContext;
import org.tarflow4j.api.OptionException;
import org.tarflow4j.api.Options;

class OptionsTest {
    private static final BackboneContext CONTEXT = new BackboneContext(3, 8);

    @Test
    void defaultsAreFilledIn() {
        Options options = Options.empty("backbones.transformer");
        Backbone backbone = new TransformerBackboneProvider().create(options, CONTEXT);
        assertEquals(128, backbone.featureWidth());
        assertEquals(
                Map.of("depth", 2L, "width", 128L, "heads", 4L, "mlp_ratio", 4L, "dropout", 0.0), options.resolved());
    }

    @Test
    void widthMustBeDivisibleByHeads() {
        OptionException e = assertThrows(OptionException.class, () -> create(Map.of("width", 30L, "heads", 4L)));
        assertTrue(
                e.getMessage().contains("[backbones.transformer] heads is 4, which does not divide width 30"),
                e.getMessage());
        assertTrue(e.getMessage().contains("e.g. 3"), e.getMessage());
    }

    @Test
    void outOfRangeAndWrongTypesAreNamed() {
        assertMessage(Map.of("depth", 0L), "depth is 0, expected a value in [1, 1024]");
        assertMessage(Map.of("dropout", 1.0), "dropout is 1.0, expected a value in [0, 1)");
        assertMessage(Map.of("dropout", -0.5), "dropout is -0.5, expected a value in [0.0, 1.0]");
        assertMessage(Map.of("width", "wide"), "width must be an integer, but is the string \"wide\"");
        assertMessage(Map.of("mlp_ratio", 2.5), "mlp_ratio must be an integer, but is the number 2.5");
    }

    @Test
    void unknownKeysAreLeftUnreadForTheHostToReport() {
        Options options = Options.of("backbones.transformer", "model.toml", Map.of("width", 16L, "layers", 3L));
        new TransformerBackboneProvider().create(options, CONTEXT);
        OptionException e = assertThrows(OptionException.class, options::requireAllRead);
        assertTrue(
                e.getMessage().contains("unknown key 'layers' in [backbones.transformer] (model.toml)"),
                e.getMessage());
    }

    @Test
    void inputOfTheWrongShapeIsRejected() {
        Backbone backbone = create(Map.of("width", 8L, "heads", 2L));
        try (PointerScope scope = new PointerScope()) {
            IllegalArgumentException channels =
                    assertThrows(IllegalArgumentException.class, () -> backbone.forward(torch.zeros(2, 4, 5)));
            assertTrue(channels.getMessage().contains("must be [B, T, 3], got [2, 4, 5]"), channels.getMessage());
            IllegalArgumentException positions =
                    assertThrows(IllegalArgumentException.class, () -> backbone.forward(torch.zeros(2, 9, 3)));
            assertTrue(
                    positions.getMessage().contains("has 9 positions; this backbone was built for 1 to 8"),
                    positions.getMessage());
        }
    }

    private static Backbone create(Map<String, ?> values) {
        return new TransformerBackboneProvider().create(Options.of("backbones.transformer", "test", values), CONTEXT);
    }

    private static void assertMessage(Map<String, ?> values, String expected) {
        OptionException e = assertThrows(OptionException.class, () -> create(values));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
