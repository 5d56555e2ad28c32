package org.tarflow4j.api;

import org.bytedeco.pytorch.Tensor;

/**
 * The result of a forward transform: the transformed tensor and {@code log|det ∂value/∂input|}
 * summed over channels, one entry per position ({@code [B, T]}).
 */
public record Transformed(Tensor value, Tensor logDet) {}
