package org.tarflow4j.backbone.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.tarflow4j.api.BackboneProvider;

class ProviderTest {
    @Test
    void describesItself() {
        BackboneProvider provider = new TransformerBackboneProvider();
        assertEquals("transformer", provider.name());
        assertEquals("1.0.0", provider.version());
        assertEquals("^1.0", provider.requires());
        assertTrue(!provider.description().isBlank() && !provider.description().contains("\n"));
    }

    @Test
    void moduleInfoDeclaresTheProvider() {
        getClass().getModule().addUses(BackboneProvider.class);
        List<String> names = ServiceLoader.load(BackboneProvider.class).stream()
                .map(p -> p.get().name())
                .toList();
        assertTrue(names.contains("transformer"), "ServiceLoader found " + names);
    }

    @Test
    void autoServiceDeclaresTheSameProvider() throws IOException {
        String path = "META-INF/services/" + BackboneProvider.class.getName();
        try (InputStream in = TransformerBackboneProvider.class.getClassLoader().getResourceAsStream(path)) {
            assertTrue(in != null, path + " is missing");
            assertEquals(
                    TransformerBackboneProvider.class.getName(),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }
}
