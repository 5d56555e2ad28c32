package org.tarflow4j.trainer.inject;

import jakarta.inject.Inject;
import java.util.Map;
import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.trainer.plugin.ComponentKind;
import org.tarflow4j.trainer.plugin.PluginRegistry;

/**
 * What the model asks for components by: "the coupling named X". The maps are bound by name from the registry;
 * an unknown name fails with the registry's message listing what is available.
 */
public final class Components {
    private final Map<String, CouplingProvider> couplings;
    private final Map<String, MixerProvider> mixers;
    private final Map<String, BackboneProvider> backbones;
    private final PluginRegistry registry;

    @Inject
    Components(
            Map<String, CouplingProvider> couplings,
            Map<String, MixerProvider> mixers,
            Map<String, BackboneProvider> backbones,
            PluginRegistry registry) {
        this.couplings = couplings;
        this.mixers = mixers;
        this.backbones = backbones;
        this.registry = registry;
    }

    public CouplingProvider coupling(String name) {
        return lookup(couplings, ComponentKind.COUPLING, name);
    }

    public MixerProvider mixer(String name) {
        return lookup(mixers, ComponentKind.MIXER, name);
    }

    public BackboneProvider backbone(String name) {
        return lookup(backbones, ComponentKind.BACKBONE, name);
    }

    public PluginRegistry registry() {
        return registry;
    }

    private <P> P lookup(Map<String, P> byName, ComponentKind kind, String name) {
        P p = byName.get(name);
        if (p == null) registry.find(kind, name);
        return p;
    }
}
