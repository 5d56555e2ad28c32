package org.tarflow4j.trainer.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.config.ConfigDiff;
import org.tarflow4j.core.config.ConfigLoader;
import org.tarflow4j.core.config.TarflowConfig;
import org.tarflow4j.trainer.checkpoint.Checkpoint;

/**
 * What must hold before a run is resumed: its {@code config.toml} describes the model its {@code last.ckpt} holds
 * (a run directory another run wrote into, or a hand-edited config, would train one model while describing another),
 * and there is training left to do (resuming a finished run would only rewrite its results).
 */
public final class ResumeCheck {
    private ResumeCheck() {}

    /**
     * @param checkpointConfig the checkpoint's configuration as written in it (before this resume's overrides)
     */
    public static void requireSameConfig(RunDirectory run, Path checkpoint, String checkpointConfig) {
        Path file = run.config();
        if (!Files.exists(file)) return;
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TarflowException("cannot read " + file + ": " + e.getMessage());
        }
        TarflowConfig written;
        try {
            written = ConfigLoader.parse(text, file.toString(), List.of());
        } catch (TarflowException e) {
            throw new TarflowException("cannot resume " + run.root() + ": its " + file.getFileName()
                    + " is not valid (" + e.getMessage() + "); restore it, or delete it to resume with the"
                    + " configuration stored in " + checkpoint.getFileName());
        }
        TarflowConfig stored = ConfigLoader.parse(checkpointConfig, checkpoint.toString(), List.of());
        List<ConfigDiff.Change> changes = ConfigDiff.between(stored, written);
        if (changes.isEmpty()) return;
        throw new TarflowException("cannot resume " + run.root() + ": " + file + " differs from the configuration "
                + checkpoint + " was written with, in "
                + ConfigDiff.describe(changes.subList(0, Math.min(8, changes.size())))
                + (changes.size() > 8 ? " and " + (changes.size() - 8) + " more keys" : "")
                + " (checkpoint -> config.toml); to change a value on resuming, give --set KEY=VALUE with --resume;"
                + " if config.toml was overwritten, restore it, or delete it to resume with the checkpoint's"
                + " configuration");
    }

    /** Refuses to resume a run whose checkpoint is at the end of its budget and whose results are written. */
    public static void requireUnfinished(RunDirectory run, Checkpoint.Meta meta, TarflowConfig config) {
        Checkpoint.Progress p = meta.progress();
        double budget = 60 * config.train().minutes();
        boolean done = p.step() >= config.train().steps() || (budget > 0 && p.seconds() >= budget);
        if (!done || !Files.exists(run.result())) return;
        throw new TarflowException("run " + run.root() + " is finished: its last.ckpt is at step " + p.step()
                + (p.step() >= config.train().steps()
                        ? " of train.steps = " + config.train().steps()
                        : ", after its train.minutes = " + config.train().minutes() + " budget")
                + ", and its results are in " + run.result() + "; to train it further, resume with a larger budget,"
                + " e.g. --set train.steps=" + Math.max(2L * p.step(), p.step() + 1));
    }
}
