package org.tarflow4j.trainer.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.VoidTensorHook;

/**
 * Where the time of a training step goes, section by section, measured inside the real step: the models mark the end
 * of each section of their forward pass ({@link #mark}) and hook the tensors at the borders of their sections, so that
 * the backward pass marks when its gradient reaches each border ({@link #markBackward}). A section is charged the
 * time since the previous mark, so the sections add up to the whole step. With no profile started on the thread both
 * calls do nothing.
 *
 * <p>The backward borders follow the order in which autograd reaches them: from the loss through layer L back to
 * layer 1 and the encoder. Autograd runs a CPU graph on the thread that called {@code backward}, node by node, so
 * each section's time is its own; the hooks capture their profile, so they also work where the backward pass runs on
 * a device's own thread, which is why every mark synchronizes the device first.
 */
public final class StepProfile {
    private static final ThreadLocal<StepProfile> ACTIVE = new ThreadLocal<>();

    private final Runnable synchronize;
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private long last;

    private StepProfile(Runnable synchronize) {
        this.synchronize = synchronize;
    }

    /**
     * Starts profiling this thread's model calls; the clock starts now.
     *
     * @param synchronize waits for the device's queued work (a no-op on the CPU)
     */
    public static StepProfile start(Runnable synchronize) {
        StepProfile p = new StepProfile(synchronize);
        synchronize.run();
        p.last = System.nanoTime();
        ACTIVE.set(p);
        return p;
    }

    /** Charges the time since the last mark to {@code section} (and ends the profile's timing at the caller's point). */
    public synchronized void charge(String section) {
        synchronize.run();
        long now = System.nanoTime();
        seconds.merge(section, (now - last) / 1e9, Double::sum);
        last = now;
    }

    /** Stops profiling on this thread: the seconds of each section, in the order first charged. */
    public Map<String, Double> stop() {
        ACTIVE.remove();
        return new LinkedHashMap<>(seconds);
    }

    /** The work of {@code section} ended here (if this thread has a profile). */
    public static void mark(String section) {
        StepProfile p = ACTIVE.get();
        if (p != null) p.charge(section);
    }

    /**
     * When the backward pass has computed the gradient of {@code t}, the time since the previous mark is charged to
     * {@code section}: the backward work between the previous border and this one.
     *
     * @return {@code t}
     */
    static Tensor markBackward(Tensor t, String section) {
        StepProfile p = ACTIVE.get();
        if (p != null && t.requires_grad()) t.register_hook(new Border(p, section));
        return t;
    }

    private static final class Border extends VoidTensorHook {
        private final StepProfile profile;
        private final String section;

        Border(StepProfile profile, String section) {
            this.profile = profile;
            this.section = section;
        }

        @Override
        public void call(TensorBase grad) {
            profile.charge(section);
        }
    }
}
