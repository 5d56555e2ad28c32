/**
 * Numerics shared by density couplings, in float64 or float32 ({@link org.tarflow4j.api.numerics.DensityDtype}): the
 * standard normal in log space with stable tails, the one-dimensional Gaussian mixture (CDF, density, the map to a
 * standard normal and its safeguarded inverse), and the memory tools for vocabulary-sized mixtures: chunked
 * recomputation in the backward pass ({@link org.tarflow4j.api.numerics.RecomputedRows}) and loops that free each
 * iteration's temporaries ({@link org.tarflow4j.api.numerics.Carried}).
 */
package org.tarflow4j.api.numerics;
