package org.tarflow4j.trainer.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident memory so far ({@code VmHWM} of {@code /proc/self/status}), native memory included. */
public final class PeakMemory {
    private PeakMemory() {}

    /** Mebibytes, or -1 where {@code /proc} has no such line (not Linux). */
    public static double mebibytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
