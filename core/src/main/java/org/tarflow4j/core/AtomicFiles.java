package org.tarflow4j.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Files that are either complete or absent: written beside their place, flushed to disk, then renamed into it. A write
 * that fails removes its temporary, so a full disk is not kept full by half a file.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** The temporary sibling a file is written to before {@link #publish}. */
    public static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /** Flushes {@code tmp} to disk and renames it over {@code file}. */
    public static void publish(Path tmp, Path file) throws IOException {
        try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public static void write(Path file, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Path tmp = temporary(file);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.write(tmp, bytes);
            publish(tmp, file);
        } catch (IOException e) {
            discard(tmp);
            throw new TarflowException("cannot write " + file + ": " + DiskSpace.reason(file, bytes.length, e)
                    + (DiskSpace.isFull(e) ? "; free space and try again" : ""));
        }
    }

    /** Removes a temporary that a failed write left, if it can; the failure being reported matters more. */
    public static void discard(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // the original error is what the user needs to see
        }
    }
}
