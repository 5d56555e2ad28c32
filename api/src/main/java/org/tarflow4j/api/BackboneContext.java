package org.tarflow4j.api;

/**
 * @param channels  input channels per position
 * @param positions the most positions a sequence has (for learned position embeddings)
 */
public record BackboneContext(int channels, int positions) {}
