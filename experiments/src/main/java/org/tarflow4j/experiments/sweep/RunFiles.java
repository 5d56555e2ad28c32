package org.tarflow4j.experiments.sweep;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.Tarflow;
import org.tarflow4j.trainer.board.TensorBoardListener;
import org.tarflow4j.trainer.train.RunDirectory;
import org.tarflow4j.trainer.train.Trainer;
import org.tarflow4j.trainer.train.TrainingListener;

/**
 * A sweep run's directory: the trainer's files ({@code config.toml}, {@code metrics.jsonl}, {@code last.ckpt},
 * {@code result.json}, {@code tb/}) plus the sweep's {@code failed.txt} (why it failed) and {@code train.log} (a
 * separate process's output).
 */
record RunFiles(Path root) {
    static final String FAILED = "failed.txt";
    static final String LOG = "train.log";

    /** The trainer's files, named in one place. */
    RunDirectory run() {
        return new RunDirectory(root);
    }

    Path config() {
        return run().config();
    }

    Path metrics() {
        return run().metrics();
    }

    Path checkpoint() {
        return run().last();
    }

    Path result() {
        return run().result();
    }

    Path failed() {
        return root.resolve(FAILED);
    }

    Path log() {
        return root.resolve(LOG);
    }

    boolean finished() {
        return Files.exists(result());
    }

    /** Trains the run from its {@code config.toml}, or resumes it from its last checkpoint with {@code resumeOverrides}. */
    Trainer.Outcome train(List<String> resumeOverrides, PluginRegistry registry, TrainingListener listener) {
        if (Files.exists(checkpoint())) return Tarflow.resume(root, resumeOverrides, registry, listener);
        return Tarflow.train(config(), List.of(), root, null, RunDirectory.Start.PREPARED, registry, listener);
    }

    /** Readies the directory for a new attempt: the config written, and what an attempt without a checkpoint left removed. */
    void prepare(String config) {
        try {
            Files.createDirectories(root);
            Files.deleteIfExists(failed());
            if (Files.exists(checkpoint())) return;
            Files.deleteIfExists(metrics());
            Files.deleteIfExists(run().best());
            deleteTree(TensorBoardListener.directory(run()));
            AtomicFiles.write(config(), config);
        } catch (IOException e) {
            throw new TarflowException("cannot prepare the run directory " + root + ": " + e.getMessage());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    void fail(String reason) {
        AtomicFiles.write(failed(), reason.strip() + "\n");
    }

    /** Why the run failed, or null. */
    String failure() {
        try {
            return Files.exists(failed())
                    ? Files.readString(failed(), StandardCharsets.UTF_8).strip()
                    : null;
        } catch (IOException e) {
            return "(cannot read " + failed() + ": " + e.getMessage() + ")";
        }
    }
}
