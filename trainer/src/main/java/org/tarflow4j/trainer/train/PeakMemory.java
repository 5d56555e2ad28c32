package org.tarflow4j.trainer.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/**
 * The process's resident memory ({@code VmRSS} of {@code /proc/self/status}) and its peak so far ({@code VmHWM}),
 * native memory included.
 */
public final class PeakMemory {
    private PeakMemory() {}

    /** The peak in mebibytes, or -1 where {@code /proc} has no such line (not Linux). */
    public static double mebibytes() {
        return field("VmHWM:");
    }

    /** The resident memory now in mebibytes, or -1 where {@code /proc} has no such line. */
    public static double residentMebibytes() {
        return field("VmRSS:");
    }

    /**
     * Returns freed native memory to the kernel ({@code malloc_trim}) and starts the peak afresh at the resident memory
     * now (writing 5 to {@code /proc/self/clear_refs}, Linux 4.0 and later). Returns false where the peak could not be
     * reset.
     */
    public static boolean reset() {
        Pointer.trimMemory();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static double field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith(name)) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
