package org.tarflow4j.core.plugin;

import com.google.gson.annotations.SerializedName;
import org.tarflow4j.api.BackboneProvider;
import org.tarflow4j.api.CouplingProvider;
import org.tarflow4j.api.MixerProvider;
import org.tarflow4j.api.Provider;

/**
 * The kinds of components a plugin can provide, each with its service interface and the names it goes by in
 * configurations ({@code [couplings.NAME]}, {@code [flow.coupling_options]}), in messages and in checkpoints (the
 * {@linkplain #label() label}: {@code "coupling"}).
 */
public enum ComponentKind {
    @SerializedName("coupling")
    COUPLING("coupling", CouplingProvider.class),
    @SerializedName("mixer")
    MIXER("mixer", MixerProvider.class),
    @SerializedName("backbone")
    BACKBONE("backbone", BackboneProvider.class);

    private final String label;
    private final Class<? extends Provider<?, ?>> service;

    ComponentKind(String label, Class<? extends Provider<?, ?>> service) {
        this.label = label;
        this.service = service;
    }

    /** The kind as one lower-case word: {@code coupling}, {@code mixer}, {@code backbone}. */
    public String label() {
        return label;
    }

    public Class<? extends Provider<?, ?>> service() {
        return service;
    }

    /** The config table of options every component of a name shares: {@code couplings}. */
    public String sharedTable() {
        return label + "s";
    }

    /** The config table of one layer's own options for its component: {@code coupling_options}. */
    public String layerTable() {
        return label + "_options";
    }
}
