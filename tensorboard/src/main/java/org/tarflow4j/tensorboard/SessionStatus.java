package org.tarflow4j.tensorboard;

import org.tarflow4j.tensorboard.proto.hparams.Status;

/** How a run (an HParams "session") ended, as TensorBoard's HParams dashboard shows it. */
public enum SessionStatus {
    SUCCESS(Status.STATUS_SUCCESS),
    FAILURE(Status.STATUS_FAILURE),
    RUNNING(Status.STATUS_RUNNING),
    UNKNOWN(Status.STATUS_UNKNOWN);

    private final Status proto;

    SessionStatus(Status proto) {
        this.proto = proto;
    }

    Status proto() {
        return proto;
    }
}
