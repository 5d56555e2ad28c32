package org.tarflow4j.api;

/** The structure of a coupling's Jacobian within one position, checked by the test harness. */
public enum JacobianShape {
    /** Channels are transformed independently. */
    DIAGONAL,
    /** Channel i depends on channels {@code ≤ i} only (channel-autoregressive). */
    LOWER_TRIANGULAR,
    /** No structure is promised. */
    DENSE
}
