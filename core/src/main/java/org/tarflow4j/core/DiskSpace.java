package org.tarflow4j.core;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What a failed write tells the user: when the file system is full, how much the file needs and how much is free
 * there, instead of the bare "No space left on device".
 */
public final class DiskSpace {
    private DiskSpace() {}

    /** True when {@code e} (or its cause) says the device has no space left (ENOSPC) or the quota is exceeded (EDQUOT). */
    public static boolean isFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) return true;
        }
        return false;
    }

    /** Bytes the file system holding {@code file} (or its nearest existing parent) has free for this user, -1 if unknown. */
    public static long free(Path file) {
        for (Path p = file.toAbsolutePath(); p != null; p = p.getParent()) {
            if (!Files.exists(p)) continue;
            try {
                FileStore store = Files.getFileStore(p);
                return store.getUsableSpace();
            } catch (IOException e) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * The reason a write of {@code bytes} bytes (-1 when unknown) to {@code file} failed with {@code e}, in words: for a
     * full file system, the space needed and the space free; otherwise the error itself.
     */
    public static String reason(Path file, long bytes, Throwable e) {
        if (!isFull(e)) return String.valueOf(e.getMessage());
        long free = free(file);
        return "the file system is full ("
                + (bytes >= 0 ? "the file needs " + size(bytes) + ", " : "")
                + (free >= 0 ? size(free) + " free" : "free space unknown")
                + " in " + file.toAbsolutePath().getParent() + ")";
    }

    /** A byte count for people: {@code 812 bytes}, {@code 205.3 kB}, {@code 1.4 GB} (powers of 1000). */
    public static String size(long bytes) {
        if (bytes < 1000) return bytes + " bytes";
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
