package org.tarflow4j.trainer.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.TarflowException;

/** The files of one training run. */
public record RunDirectory(Path root) {
    public static RunDirectory fresh(Path runs, String kind) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = runs.resolve(stamp + "-" + kind);
        for (int i = 2; Files.exists(dir); i++) dir = runs.resolve(stamp + "-" + kind + "-" + i);
        return new RunDirectory(dir);
    }

    /** A run directory or a checkpoint file inside one: the checkpoint to load ({@code last.ckpt} for a directory). */
    public static Path checkpoint(Path dirOrFile) {
        if (Files.isDirectory(dirOrFile)) {
            Path last = new RunDirectory(dirOrFile).last();
            if (!Files.exists(last))
                throw new TarflowException(dirOrFile
                        + " has no last.ckpt; give a run directory written by 'tarflow train' or a .ckpt file");
            return last;
        }
        if (!Files.exists(dirOrFile))
            throw new TarflowException(dirOrFile + " does not exist; give a run directory or a .ckpt file");
        return dirOrFile;
    }

    public Path config() {
        return root.resolve("config.toml");
    }

    public Path metrics() {
        return root.resolve("metrics.jsonl");
    }

    public Path last() {
        return root.resolve("last.ckpt");
    }

    public Path best() {
        return root.resolve("best.ckpt");
    }

    public Path result() {
        return root.resolve("result.json");
    }

    void create() {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new TarflowException("cannot create run directory " + root + ": " + e.getMessage());
        }
    }

    void write(Path file, String text) {
        AtomicFiles.write(file, text);
    }

    void append(Path file, String line) {
        try {
            Files.writeString(
                    file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new TarflowException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
