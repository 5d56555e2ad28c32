package org.tarflow4j.trainer.train;

import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGINT (Ctrl-C) and SIGTERM during training. libtorch work runs on the training thread and must not be cut short
 * from another, so a signal only sets a flag: the trainer looks at it at every step boundary, writes {@code last.ckpt}
 * from its own thread and ends with {@link TrainingInterrupted} (exit status 128 + the signal's number: 130, 143).
 * A second signal, or one that arrives while no training loop is running (building the model, the final evaluation),
 * ends the process at once, as the signal does by default (exit status 128 + its number); checkpoints are written
 * atomically, so the last one stays whole.
 */
public final class Interrupts {
    private static volatile Signal pending;
    private static volatile boolean armed;
    private static volatile Consumer<String> notice = System.err::println;
    private static boolean installed;

    private Interrupts() {}

    /**
     * Catches SIGINT and SIGTERM for the rest of the process; {@code notice} shows what happens (called on the signal's
     * own thread).
     */
    public static synchronized void install(Consumer<String> notice) {
        Interrupts.notice = notice;
        if (installed) return;
        SignalHandler handler = Interrupts::received;
        for (String name : new String[] {"INT", "TERM"}) Signal.handle(new Signal(name), handler);
        installed = true;
    }

    private static void received(Signal signal) {
        if (!armed || pending != null) {
            notice.accept("SIG" + signal.getName() + (armed ? " again" : "") + ": stopping at once");
            dieBy(signal);
            return;
        }
        pending = signal;
        notice.accept("SIG" + signal.getName() + ": stopping after this step and writing last.ckpt"
                + " (press Ctrl-C again to stop at once)");
    }

    /**
     * Ends this process the way {@code signal} ends a process that does not catch it: the default action restored and
     * the signal sent again, so the exit status is 128 + its number. Not {@code System.exit} or {@code halt}: they run
     * libtorch's static destructors while the training thread may still be inside libtorch (a crash).
     */
    private static void dieBy(Signal signal) {
        Signal.handle(signal, SignalHandler.SIG_DFL);
        try {
            new ProcessBuilder(
                            "kill",
                            "-" + signal.getName(),
                            Long.toString(ProcessHandle.current().pid()))
                    .start()
                    .waitFor();
            Thread.sleep(2000);
        } catch (java.io.IOException | InterruptedException e) {
            // no kill command: fall through to halt
        }
        Runtime.getRuntime().halt(128 + signal.getNumber());
    }

    /** The training loop starts: a signal now asks it to stop at the next step boundary. */
    static void arm() {
        pending = null;
        armed = true;
    }

    /** The training loop has ended (or was left): a signal now ends the process at once. */
    static void disarm() {
        armed = false;
    }

    /** The signal that asked training to stop, or null. */
    static Signal pending() {
        return pending;
    }

    /** Asks the training loop to stop as {@code name} (e.g. {@code INT}) would: for tests. */
    static void request(String name) {
        pending = new Signal(name);
    }
}
