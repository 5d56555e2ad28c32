package org.tarflow4j.tensorboard;

import java.nio.file.Path;

/**
 * A TensorBoard event file that cannot be written or read: an IO error, or a damaged record. The message names the
 * file and, for a damaged record, the byte offset where the record starts.
 */
public final class EventFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    EventFileException(Path file, long offset, String message, Throwable cause) {
        super(describe(file, offset, message), cause);
        this.file = file;
        this.offset = offset;
    }

    EventFileException(Path file, String message, Throwable cause) {
        this(file, -1, message, cause);
    }

    private static String describe(Path file, long offset, String message) {
        return offset < 0
                ? "TensorBoard event file " + file + ": " + message
                : "TensorBoard event file " + file + ", record at byte " + offset + ": " + message;
    }

    /** The event file concerned. */
    public Path file() {
        return file;
    }

    /** The byte offset of the damaged record, or -1 when the error is not about one record. */
    public long offset() {
        return offset;
    }
}
