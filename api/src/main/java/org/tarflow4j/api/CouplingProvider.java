package org.tarflow4j.api;

/** Service interface for couplings. */
public interface CouplingProvider extends Provider<Coupling, CouplingContext> {}
