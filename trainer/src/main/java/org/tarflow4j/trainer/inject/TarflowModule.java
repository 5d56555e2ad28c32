package org.tarflow4j.trainer.inject;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.trainer.config.TarflowConfig;
import org.tarflow4j.trainer.plugin.ComponentKind;
import org.tarflow4j.trainer.plugin.PluginRegistry;
import org.tarflow4j.trainer.plugin.Registered;

/** Binds the loaded configuration and every registered provider by name ({@code MapBinder}s per kind). */
public final class TarflowModule extends AbstractModule {
    private final PluginRegistry registry;
    private final TarflowConfig config;

    public TarflowModule(PluginRegistry registry, TarflowConfig config) {
        this.registry = registry;
        this.config = config;
    }

    @Override
    protected void configure() {
        bind(PluginRegistry.class).toInstance(registry);
        bind(TarflowConfig.class).toInstance(config);
        bindAll(
                ComponentKind.COUPLING,
                MapBinder.newMapBinder(binder(), String.class, CouplingProvider.class),
                CouplingProvider.class);
        bindAll(
                ComponentKind.MIXER,
                MapBinder.newMapBinder(binder(), String.class, MixerProvider.class),
                MixerProvider.class);
        bindAll(
                ComponentKind.BACKBONE,
                MapBinder.newMapBinder(binder(), String.class, BackboneProvider.class),
                BackboneProvider.class);
    }

    private <P> void bindAll(ComponentKind kind, MapBinder<String, P> binder, Class<P> type) {
        for (Registered r : registry.all(kind)) binder.addBinding(r.name()).toInstance(type.cast(r.provider()));
    }
}
