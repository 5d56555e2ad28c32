package org.tarflow4j.api;

/**
 * @param channels      channels per position
 * @param tokenChannels latent channels of one token ({@code channels / tokenChannels} is the patch size)
 */
public record MixerContext(int channels, int tokenChannels) {}
