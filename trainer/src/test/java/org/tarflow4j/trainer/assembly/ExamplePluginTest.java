package org.tarflow4j.trainer.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.api.Coupling;
import org.tarflow4j.api.CouplingContext;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.Options;
import org.tarflow4j.api.Transformed;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.plugin.Catalog;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.core.plugin.Registered;
import org.tarflow4j.trainer.model.Parameters;

/**
 * The third-party example plugin (examples/coupling-sinh-arcsinh, built by the reactor into its own jar and kept off
 * the test path) dropped into a plugins folder: found, attributed to its jar, created by name through Guice, exact.
 */
class ExamplePluginTest {
    @Test
    void exampleJarInAPluginsFolderIsFoundCreatedByNameAndRoundTrips(@TempDir Path plugins) throws Exception {
        Path jar;
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("tarflow.examplePlugins")))) {
            jar = s.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        Path installed = Files.copy(jar, plugins.resolve(jar.getFileName()));
        assertTrue(
                PluginRegistry.host().all(ComponentKind.COUPLING).stream()
                        .noneMatch(r -> r.name().equals("sinh-arcsinh")),
                "the example plugin must not be on the test path");

        PluginRegistry registry = PluginRegistry.load(plugins);
        Registered r = registry.find(ComponentKind.COUPLING, "sinh-arcsinh");
        assertEquals(installed.toString(), r.origin());
        assertEquals("0.3.0", r.version());

        Catalog<CouplingProvider> couplings = Guice.createInjector(
                        new TarflowModule(registry, ConfigLoader.load(null, List.of())))
                .getInstance(Key.get(new TypeLiteral<Catalog<CouplingProvider>>() {}));
        Coupling coupling = couplings
                .get("sinh-arcsinh")
                .create(
                        Options.of("couplings.sinh-arcsinh", "test", Map.of()),
                        new CouplingContext(4, 4, 8, 27, Optional.empty()));
        coupling.module().to(torch.ScalarType.Double, false);
        try (PointerScope s = new PointerScope();
                NoGradGuard g = new NoGradGuard()) {
            torch.manual_seed(3);
            for (Tensor p : Parameters.of(coupling.module()))
                p.add_(torch.randn_like(p).mul(new Scalar(0.3)));
            TensorOptions f64 = new TensorOptions(torch.ScalarType.Double);
            Tensor x = torch.randn(new long[] {2, 5, 4}, f64).mul(new Scalar(2.0));
            Tensor features = torch.randn(new long[] {2, 5, 8}, f64);
            Transformed u = coupling.forward(x, features);
            double err =
                    coupling.inverse(u.value(), features).sub(x).abs().max().item_double();
            assertTrue(err < 1e-9, "round trip x -> u -> x: " + err + " (tolerance 1e-9)");
        }
    }
}
