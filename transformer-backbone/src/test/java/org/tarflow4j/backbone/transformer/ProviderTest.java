package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tarflow4j.api.BackboneProvider;

/** The provider's own description; its service declarations are checked by {@link TransformerConformanceTest}. */
class ProviderTest {
    @Test
    void describesItself() {
        BackboneProvider provider = new TransformerBackboneProvider();
        assertEquals("transformer", provider.name());
        assertEquals("1.1.0", provider.version());
        assertEquals("^1.2", provider.requires());
        assertTrue(!provider.description().isBlank() && !provider.description().contains("\n"));
    }
}
