package org.tarflow4j.api;

/** A configuration value that is missing, unknown, of the wrong type or out of range. The message says which and where. */
public class OptionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public OptionException(String message) {
        super(message);
    }
}
