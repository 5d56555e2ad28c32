package org.tarflow4j.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Files that are either complete or absent: written beside their place, flushed to disk, then renamed into it. */
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
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Path tmp = temporary(file);
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            publish(tmp, file);
        } catch (IOException e) {
            throw new TarflowException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
