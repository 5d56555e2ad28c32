package org.tarflow4j.trainer.distributed;

import org.bytedeco.pytorch.Store;

/**
 * A rank's pulse: a daemon thread that increments the rank's counter in the rendezvous store twice a second on its own
 * connection. A rank whose counter stands still while a collective fails died, or hangs as a whole process.
 */
final class Heartbeat implements AutoCloseable {
    static final long PERIOD_MILLIS = 500;
    private final Store store;
    private final Thread thread;
    private volatile boolean stopped;

    Heartbeat(Store store, String key) {
        this.store = store;
        thread = new Thread(
                () -> {
                    while (!stopped) {
                        try {
                            this.store.add(key, 1);
                            Thread.sleep(PERIOD_MILLIS);
                        } catch (RuntimeException | InterruptedException e) {
                            return; // the store is gone (its host ended) or we are closing: no more beats
                        }
                    }
                },
                "tarflow-heartbeat");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
