package org.tarflow4j.trainer.plugin;

import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.api.Provider;

/** The kinds of components a provider can make, each with its service interface. */
public enum ComponentKind {
    COUPLING("coupling", CouplingProvider.class),
    MIXER("mixer", MixerProvider.class),
    BACKBONE("backbone", BackboneProvider.class);

    private final String label;
    private final Class<? extends Provider<?, ?>> service;

    ComponentKind(String label, Class<? extends Provider<?, ?>> service) {
        this.label = label;
        this.service = service;
    }

    public String label() {
        return label;
    }

    public Class<? extends Provider<?, ?>> service() {
        return service;
    }
}
