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

    @Test
    void aKeyWithItsOwnSourceIsNamedWithIt() {
        Options o = Options.of(
                "couplings.mog",
                "model.toml",
                Map.of("mixtures", 0L, "scale", 2L, "extra", 1L, "inner", Map.of("typo", 1L, "a", "x")),
                Map.of(
                        "mixtures",
                        "--set couplings.mog.mixtures=0",
                        "extra",
                        "--set couplings.mog.extra=1",
                        "inner.typo",
                        "--set couplings.mog.inner.typo=1"));
        OptionException e = assertThrows(OptionException.class, () -> o.getInt("mixtures", 1, 1, 64));
        assertEquals(
                "[couplings.mog] mixtures is 0, expected a value in [1, 64] (--set couplings.mog.mixtures=0)",
                e.getMessage());
        e = assertThrows(OptionException.class, () -> o.getBoolean("scale", false));
        assertTrue(e.getMessage().endsWith("(model.toml)"), e.getMessage());
        Options inner = o.getTable("inner");
        assertEquals("--set couplings.mog.inner.typo=1", inner.sourceOf("typo"));
        assertEquals("model.toml", inner.sourceOf("a"));
        e = assertThrows(OptionException.class, () -> inner.getBoolean("a", false));
        assertTrue(e.getMessage().endsWith("(model.toml)"), e.getMessage());
        o.getInt("scale", 1);
        inner.getString("a", "");
        e = assertThrows(OptionException.class, o::requireAllRead);
        assertEquals(
                "unknown keys 'extra', 'inner.typo' in [couplings.mog] (--set couplings.mog.extra=1, --set"
                        + " couplings.mog.inner.typo=1); known keys here: mixtures, scale, inner. Remove or rename it.",
                e.getMessage());
    }
}
