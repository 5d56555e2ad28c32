package org.tarflow4j.api;

/**
 * @param channels      channels per position
 * @param tokenChannels latent channels of one token ({@code channels / tokenChannels} is the patch size)
 * @param placement     where the model runs (see {@link Placement} for when a mixer needs it; since API 1.2)
 */
public record MixerContext(int channels, int tokenChannels, Placement placement) {
    /** A context on the CPU (the constructor of API 1.0 and 1.1). */
    public MixerContext(int channels, int tokenChannels) {
        this(channels, tokenChannels, Placement.CPU);
    }

    public MixerContext {
        if (placement == null) throw new IllegalArgumentException("placement must not be null");
    }
}
