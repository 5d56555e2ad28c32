package org.tarflow4j.api;

/** Service interface for channel mixers. */
public interface MixerProvider extends Provider<ChannelMixer, MixerContext> {}
