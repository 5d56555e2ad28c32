package org.tarflow4j.experiments.sweep;

import org.tarflow4j.trainer.train.TrainingListener;

/** What a sweep reports as it goes. Messages may come from several threads when runs go in parallel. */
public interface SweepListener {
    default void message(String line) {}

    /** Called before a run that trains in this process; the listener returned hears its progress. */
    default TrainingListener training(PlannedRun run) {
        return new TrainingListener() {};
    }

    /** Called after a run that trained in this process, whether it finished or failed. */
    default void trained(PlannedRun run) {}
}
