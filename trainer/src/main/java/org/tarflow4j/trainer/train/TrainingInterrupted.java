package org.tarflow4j.trainer.train;

import org.tarflow4j.core.TarflowException;

/** Training stopped at a signal's request after writing its checkpoint; the message says how to continue. */
public final class TrainingInterrupted extends TarflowException {
    private static final long serialVersionUID = 1L;

    private final int signal;

    TrainingInterrupted(String message, int signal) {
        super(message);
        this.signal = signal;
    }

    /** 128 + the signal's number, as a shell reports a process the signal ended: 130 for SIGINT, 143 for SIGTERM. */
    @Override
    public int exitStatus() {
        return 128 + signal;
    }
}
