package org.tarflow4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptionsTest {
    private final Options options = Options.of(
            "couplings.mog",
            "model.toml",
            Map.of("mixtures", 27L, "scale", 2L, "name", "x", "inner", Map.of("a", true, "typo", 1L)));

    @Test
    void typedGettersReturnValuesAndDefaults() {
        assertEquals(27, options.getInt("mixtures", 1));
        assertEquals(2.0, options.getDouble("scale", 1.0));
        assertEquals("x", options.getString("name", "y"));
        assertEquals(0.5, options.getDouble("absent", 0.5));
        assertTrue(options.getTable("inner").getBoolean("a", false));
        assertEquals(
                Map.of("mixtures", 27L, "scale", 2.0, "name", "x", "absent", 0.5, "inner", Map.of("a", true)),
                options.resolved());
    }

    @Test
    void unreadKeysAreNamedWithTableAndSource() {
        options.getInt("mixtures", 1);
        assertEquals(Set.of("scale", "name", "inner"), options.unread());
        options.getTable("inner").getBoolean("a", false);
        assertEquals(Set.of("scale", "name", "inner.typo"), options.unread());
        OptionException e = assertThrows(OptionException.class, options::requireAllRead);
        assertEquals(
                "unknown keys 'inner.typo', 'name', 'scale' in [couplings.mog] (model.toml); "
                        + "known keys here: mixtures, inner. Remove or rename it.",
                e.getMessage());
    }

    @Test
    void wrongTypeNamesTheExpectedType() {
        OptionException e = assertThrows(OptionException.class, () -> options.getBoolean("name", false));
        assertEquals(
                "[couplings.mog] name must be true or false, but is the string \"x\" (model.toml)", e.getMessage());
        e = assertThrows(OptionException.class, () -> options.getInt("mixtures", 1, 2, 8));
        assertTrue(e.getMessage().contains("mixtures is 27, expected a value in [2, 8]"), e.getMessage());
        e = assertThrows(OptionException.class, () -> options.getChoice("name", "a", "a", "b"));
        assertTrue(e.getMessage().contains("expected one of a, b"), e.getMessage());
        e = assertThrows(OptionException.class, () -> options.getIntList("mixtures", List.of()));
        assertTrue(e.getMessage().contains("must be a list of integers"), e.getMessage());
    }
}
