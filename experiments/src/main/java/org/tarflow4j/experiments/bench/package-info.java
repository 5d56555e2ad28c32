/**
 * Benchmarks that state the project's speed targets as ratios measured in one process (the machine is shared and
 * noisy, so absolute times mean little): coupling inverse against forward, model FLOP/s against the matmul peak
 * measured in the same run, TarFlowLM against its autoregressive baseline, bf16 against float32. Times are medians
 * of repeated measurements.
 */
package org.tarflow4j.experiments.bench;
