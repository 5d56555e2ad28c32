package org.tarflow4j.api;

/** Service interface for backbones. */
public interface BackboneProvider extends Provider<Backbone, BackboneContext> {}
