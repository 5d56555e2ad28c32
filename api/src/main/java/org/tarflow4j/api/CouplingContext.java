package org.tarflow4j.api;

import java.util.Optional;

/**
 * What a coupling may know about the model it is placed in.
 *
 * @param channels      channels per position, {@code C = patch · tokenChannels}
 * @param tokenChannels latent channels of one token, {@code d}
 * @param featureWidth  width {@code D} of the backbone features the coupling is conditioned on
 * @param vocabSize     vocabulary size {@code V}
 * @param codebook      the encoder's codebook, present for the layer that may tie to it
 * @param placement     where the model runs (see {@link Placement} for when a coupling needs it; since API 1.2)
 */
public record CouplingContext(
        int channels,
        int tokenChannels,
        int featureWidth,
        int vocabSize,
        Optional<Codebook> codebook,
        Placement placement) {
    /** A context on the CPU (the constructor of API 1.0 and 1.1). */
    public CouplingContext(
            int channels, int tokenChannels, int featureWidth, int vocabSize, Optional<Codebook> codebook) {
        this(channels, tokenChannels, featureWidth, vocabSize, codebook, Placement.CPU);
    }

    public CouplingContext {
        if (placement == null) throw new IllegalArgumentException("placement must not be null");
        if (channels <= 0 || tokenChannels <= 0 || channels % tokenChannels != 0)
            throw new IllegalArgumentException(
                    "channels " + channels + " must be a positive multiple of tokenChannels " + tokenChannels);
        if (featureWidth <= 0 || vocabSize <= 0)
            throw new IllegalArgumentException("featureWidth and vocabSize must be positive");
    }

    /** Tokens per position (the patch size {@code P}). */
    public int patch() {
        return channels / tokenChannels;
    }
}
