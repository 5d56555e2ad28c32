package org.tarflow4j.experiments.sweep;

import org.tarflow4j.core.TarflowException;

/** A sweep that cannot be run as given: a malformed sweep file or axis, or a combination whose config is invalid. */
public class SweepException extends TarflowException {
    private static final long serialVersionUID = 1L;

    public SweepException(String message) {
        super(message);
    }
}
