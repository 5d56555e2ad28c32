package org.tarflow4j.trainer.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.DiskSpace;
import org.tarflow4j.core.TarflowException;

/** The files of one training run. */
public record RunDirectory(Path root) {
    /** The files a run writes (and {@code eval-*.json}, written next to its checkpoints). */
    static final List<String> FILES = List.of("config.toml", "metrics.jsonl", "last.ckpt", "best.ckpt", "result.json");
    /** The folders a run writes: its TensorBoard events and its learning curves. */
    static final List<String> FOLDERS = List.of("tb", "plots");

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

    /** What a new run may find in its directory. */
    public enum Start {
        /** Nothing of a run: a directory that holds one is refused. */
        FRESH,
        /** A run that is there is deleted first ({@code --overwrite}). */
        OVERWRITE,
        /**
         * What a sweep wrote there for this run before starting it, its {@code config.toml} and the TensorBoard session
         * in {@code tb/}; any other file of a run is refused.
         */
        PREPARED
    }

    /**
     * Readies the directory for a new run (the caller holds its {@link RunLock}). A directory that holds a run's files
     * is refused ({@link Start#FRESH}), unless {@link Start#OVERWRITE}, which deletes exactly those files and says so
     * through {@code log}, or {@link Start#PREPARED}, where a sweep's own files may be there. {@code config.toml} alone
     * does not count when it is the configuration being trained ({@code configFile}).
     */
    public void startNew(Path configFile, Start start, Consumer<String> log) {
        boolean overwrite = start == Start.OVERWRITE;
        removeStaleTemporaries(log);
        List<Path> existing = new ArrayList<>(files());
        if (configFile != null && existing.contains(config()) && sameFile(configFile, config()))
            existing.remove(config());
        if (start == Start.PREPARED) existing.remove(root.resolve("tb"));
        if (existing.isEmpty()) return;
        String names = existing.stream()
                .map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : ""))
                .collect(Collectors.joining(", "));
        if (!overwrite)
            throw new TarflowException("run directory " + root + " already holds a run (" + names + "); continue it"
                    + " with --resume " + root + ", train into another --run-dir, or give --overwrite to delete those"
                    + " files first");
        for (Path p : existing) {
            try (Stream<Path> tree = Files.walk(p)) {
                for (Path q : tree.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
            } catch (IOException e) {
                throw new TarflowException("--overwrite: cannot delete " + p + ": " + e.getMessage());
            }
        }
        log.accept("--overwrite: deleted " + names + " of the run that was in " + root);
    }

    /** The run's files and folders present here, their temporaries, and evaluation results. */
    List<Path> files() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                String base = name.endsWith(".tmp") ? name.substring(0, name.length() - 4) : name;
                if (FILES.contains(base)
                        || (base.startsWith("eval-") && base.endsWith(".json"))
                        || (FOLDERS.contains(name) && Files.isDirectory(p))) out.add(p);
            }
        } catch (IOException e) {
            throw new TarflowException("cannot list run directory " + root + ": " + e.getMessage());
        }
        return out;
    }

    /**
     * Deletes the temporaries a process that died while writing left behind (the caller holds the lock, so no live
     * writer owns them): a half-written checkpoint is never read, and must not keep a full disk full.
     */
    public void removeStaleTemporaries(Consumer<String> log) {
        for (Path p : files()) {
            if (!p.getFileName().toString().endsWith(".tmp") || Files.isDirectory(p)) continue;
            try {
                long size = Files.size(p);
                Files.deleteIfExists(p);
                log.accept("removed " + p + " (" + DiskSpace.size(size) + "), left by a write that did not finish");
            } catch (IOException e) {
                throw new TarflowException("cannot remove the stale temporary " + p + ": " + e.getMessage());
            }
        }
    }

    /**
     * Keeps the records of {@code metrics.jsonl} up to {@code step} (those a resumed run does not redo), atomically;
     * a line cut short by a crash is dropped.
     */
    void truncateMetrics(long step) {
        Path file = metrics();
        if (!Files.exists(file)) return;
        List<String> kept = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                Long at = stepOf(line);
                if (at != null && at <= step) kept.add(line);
            }
        } catch (IOException e) {
            throw new TarflowException("cannot read " + file + ": " + e.getMessage());
        }
        AtomicFiles.write(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
    }

    private static Long stepOf(String line) {
        try {
            var json = com.google.gson.JsonParser.parseString(line);
            if (!json.isJsonObject() || !json.getAsJsonObject().has("step")) return null;
            return json.getAsJsonObject().get("step").getAsLong();
        } catch (RuntimeException damaged) {
            return null;
        }
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
            throw new TarflowException("cannot write " + file + ": " + DiskSpace.reason(file, line.length() + 1, e)
                    + "; the run can continue from its last checkpoint (--resume " + root + ") once that is fixed");
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
