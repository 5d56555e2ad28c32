/**
 * Float64 numerics shared by density couplings: the standard normal in log space with stable tails, and the
 * one-dimensional Gaussian mixture (CDF, density, the map to a standard normal and its safeguarded inverse).
 */
package org.tarflow4j.api.numerics;
