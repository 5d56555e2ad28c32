package org.tarflow4j.api;

/**
 * @param channels  input channels per position
 * @param positions the most positions a sequence has (for learned position embeddings)
 * @param placement where the model runs (see {@link Placement} for when a backbone needs it; since API 1.2)
 */
public record BackboneContext(int channels, int positions, Placement placement) {
    /** A context on the CPU (the constructor of API 1.0 and 1.1). */
    public BackboneContext(int channels, int positions) {
        this(channels, positions, Placement.CPU);
    }

    public BackboneContext {
        if (placement == null) throw new IllegalArgumentException("placement must not be null");
    }
}
