package org.tarflow4j.trainer;

import org.tarflow4j.core.TarflowException;

/** A result was computed but its file could not be written (a full disk): the message says why, {@link #result()} is it. */
public final class ResultNotSaved extends TarflowException {
    private static final long serialVersionUID = 1L;

    private final String result;

    ResultNotSaved(String message, String result) {
        super(message);
        this.result = result;
    }

    /** The result as it would have been written. */
    public String result() {
        return result;
    }
}
