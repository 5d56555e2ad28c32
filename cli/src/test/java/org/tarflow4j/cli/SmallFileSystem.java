package org.tarflow4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small file system of its own mounted on a folder, to fill up: a tmpfs, else an ext4 image on a loop device. Both
 * need root (or CAP_SYS_ADMIN); where neither can be mounted, {@link #reason()} says why, for the skipped test.
 */
final class SmallFileSystem {
    private final Path at;
    private final boolean mounted;
    private final String reason;

    private SmallFileSystem(Path at, boolean mounted, String reason) {
        this.at = at;
        this.mounted = mounted;
        this.reason = reason;
    }

    static SmallFileSystem mount(Path at, long bytes) throws Exception {
        List<String> tried = new ArrayList<>();
        String tmpfs = run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", at.toString());
        if (tmpfs == null) return new SmallFileSystem(at, true, "tmpfs");
        tried.add("mount -t tmpfs: " + tmpfs);
        Path image = at.resolveSibling(at.getFileName() + ".img");
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(Math.max(bytes, 2 << 20));
        }
        String mkfs = run("mkfs.ext4", "-q", "-F", "-m", "0", image.toString());
        String loop = mkfs == null ? run("mount", "-o", "loop", image.toString(), at.toString()) : mkfs;
        if (loop == null) return new SmallFileSystem(at, true, "ext4 on a loop device");
        tried.add("loop-mounted ext4: " + loop);
        Files.deleteIfExists(image);
        String reason = "no small file system can be mounted here (" + String.join("; ", tried) + ")";
        System.out.println("skipped: " + reason);
        return new SmallFileSystem(at, false, reason);
    }

    boolean mounted() {
        return mounted;
    }

    String reason() {
        return reason;
    }

    long usable() throws IOException {
        return Files.getFileStore(at).getUsableSpace();
    }

    /** Writes {@code file} until the file system is full. */
    void fill(Path file) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) out.write(block);
        } catch (IOException full) {
            // full
        }
    }

    void unmount() throws Exception {
        if (!mounted) return;
        String error = run("umount", at.toString());
        if (error != null) error = run("umount", "-l", at.toString());
        Files.deleteIfExists(at.resolveSibling(at.getFileName() + ".img"));
        if (error != null) throw new IllegalStateException("cannot unmount " + at + ": " + error);
    }

    /** Runs a command; null when it succeeded, else what it said. */
    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? null : "exit " + p.exitValue() + (out.isEmpty() ? "" : ", " + out);
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
