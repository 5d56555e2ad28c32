package org.tarflow4j.trainer.assembly;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.TypeLiteral;
import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.core.plugin.Catalog;
import org.tarflow4j.core.plugin.PluginRegistry;

/**
 * The composition root: binds the loaded configuration and, per component kind, the registry's providers by name
 * ({@code Catalog<CouplingProvider>} and the like). Everything the model is made of comes through these bindings.
 */
public final class TarflowModule extends AbstractModule {
    private final PluginRegistry registry;
    private final TarflowConfig config;

    public TarflowModule(PluginRegistry registry, TarflowConfig config) {
        this.registry = registry;
        this.config = config;
    }

    /** The model assembly of {@code config} over the providers of {@code registry}. */
    public static ModelAssembly assembly(TarflowConfig config, PluginRegistry registry) {
        return Guice.createInjector(new TarflowModule(registry, config)).getInstance(ModelAssembly.class);
    }

    @Override
    protected void configure() {
        bind(TarflowConfig.class).toInstance(config);
        bind(new TypeLiteral<Catalog<CouplingProvider>>() {}).toInstance(registry.catalog(CouplingProvider.class));
        bind(new TypeLiteral<Catalog<BackboneProvider>>() {}).toInstance(registry.catalog(BackboneProvider.class));
        bind(new TypeLiteral<Catalog<MixerProvider>>() {}).toInstance(registry.catalog(MixerProvider.class));
    }
}
