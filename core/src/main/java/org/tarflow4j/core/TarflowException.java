package org.tarflow4j.core;

/**
 * An error the user can cause and fix (configuration, data, plugins, checkpoints). The message says what was wrong,
 * where, and what to do; the command line prints it without a stack trace.
 */
public class TarflowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TarflowException(String message) {
        super(message);
    }

    public TarflowException(String message, Throwable cause) {
        super(message, cause);
    }
}
