package org.tarflow4j.core;

/**
 * An error the user can cause and fix (configuration, data, plugins, checkpoints). The message says what was wrong,
 * where, and what to do; the command line prints it without a stack trace and exits with {@link #exitStatus()}.
 */
public class TarflowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The exit status of an error the user can fix. */
    public static final int USER_ERROR = 1;

    public TarflowException(String message) {
        super(message);
    }

    public TarflowException(String message, Throwable cause) {
        super(message, cause);
    }

    /** What the command line exits with: {@link #USER_ERROR}, or 128 + the signal's number for a stopped run. */
    public int exitStatus() {
        return USER_ERROR;
    }
}
