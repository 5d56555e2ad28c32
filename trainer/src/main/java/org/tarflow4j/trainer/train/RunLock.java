package org.tarflow4j.trainer.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.tarflow4j.core.DiskSpace;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.TarflowException;

/**
 * Keeps a run directory to one process while it trains: {@code run.lock} holds the process's id, host and start time,
 * and an operating-system lock on it that ends with the process, however it ends. Another process finds the lock held
 * and is refused, with the holder named. A lock file whose lock nobody holds was left by a process that died (killed,
 * power lost): it is taken over, and the user told whose it was. Where the file system has no locks, the process id
 * decides: a lock of a process that no longer runs on this host is taken over.
 *
 * <p>The file is emptied, not deleted, when the lock is let go: a file deleted under a process that has just opened it
 * would let two processes lock two different files. And no other channel of this process ever opens it while it is
 * locked (closing one would release the lock: POSIX locks belong to the process and the file), so this process's own
 * locks are also kept in {@link #HELD}.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = "run.lock";

    /** The run directories this process has locked. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path root;
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path root, Path file, FileChannel channel, FileLock lock) {
        this.root = root;
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Who holds a lock, as its file records. */
    record Holder(long pid, String host, String started, String since) {
        static Holder current() {
            ProcessHandle self = ProcessHandle.current();
            return new Holder(
                    self.pid(),
                    thisHost(),
                    self.info().startInstant().map(Instant::toString).orElse(""),
                    Instant.now().toString());
        }

        String json() {
            return Json.line(Json.object("pid", pid, "host", host, "started", started, "since", since)) + "\n";
        }

        static Holder parse(String text) {
            try {
                JsonObject o = JsonParser.parseString(text).getAsJsonObject();
                return new Holder(
                        o.get("pid").getAsLong(),
                        o.get("host").getAsString(),
                        o.has("started") ? o.get("started").getAsString() : "",
                        o.has("since") ? o.get("since").getAsString() : "");
            } catch (JsonParseException
                    | IllegalStateException
                    | NullPointerException
                    | UnsupportedOperationException e) {
                return null;
            }
        }

        /** True when this process still runs here: same host, the process id alive, and started when recorded. */
        boolean aliveHere() {
            if (!host.equals(thisHost())) return false;
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            if (p.isEmpty() || !p.get().isAlive()) return false;
            String start = p.get().info().startInstant().map(Instant::toString).orElse("");
            return started.isEmpty() || start.isEmpty() || start.equals(started);
        }

        @Override
        public String toString() {
            return "process " + pid + " on " + host + (since.isEmpty() ? "" : " (since " + since + ")");
        }
    }

    /**
     * Locks {@code root} (created if needed) for this process; refuses when another holds it. {@code log} hears about
     * a stale lock taken over.
     */
    public static RunLock acquire(Path root, Consumer<String> log) {
        Path file = root.resolve(FILE);
        if (Files.exists(root) && !Files.isDirectory(root))
            throw new TarflowException(
                    "run directory " + root + " is a file, not a directory; give a directory (new, or a run's)");
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new TarflowException("cannot create run directory " + root + ": " + DiskSpace.reason(root, -1, e));
        }
        Path key = key(root);
        if (!HELD.add(key)) throw inUse(root, file, Holder.current(), " (this very process)");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Holder previous = Holder.parse(read(channel));
            FileLock lock = null;
            boolean locks = true;
            try {
                lock = channel.tryLock();
            } catch (IOException unsupported) {
                locks = false;
            }
            if (locks && lock == null) throw inUse(root, file, previous, "");
            if (!locks && previous != null && previous.aliveHere()) throw inUse(root, file, previous, "");
            if (!locks && previous != null && !previous.host.equals(thisHost())) throw otherHost(root, file, previous);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Holder.current().json().getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
            if (previous != null)
                log.accept("took over the lock of " + root + " left by " + previous
                        + ", which no longer holds it (it was killed, or its machine stopped)");
            return new RunLock(key, file, channel, lock);
        } catch (IOException e) {
            HELD.remove(key);
            closeQuietly(channel);
            throw new TarflowException("cannot lock run directory " + root + " (" + file + "): " + e.getMessage());
        } catch (RuntimeException e) {
            HELD.remove(key);
            closeQuietly(channel);
            throw e;
        }
    }

    private static Path key(Path root) {
        try {
            return root.toRealPath();
        } catch (IOException e) {
            return root.toAbsolutePath().normalize();
        }
    }

    private static TarflowException inUse(Path root, Path file, Holder holder, String note) {
        return new TarflowException("run directory " + root + " is in use by "
                + (holder == null ? "another process" : holder.toString()) + note + " (lock file " + file
                + "); wait for it to finish"
                + (holder == null ? "" : " or stop it (kill " + holder.pid + ")")
                + ", or train into another --run-dir");
    }

    private static TarflowException otherHost(Path root, Path file, Holder holder) {
        return new TarflowException("run directory " + root + " is locked by " + holder + ", another machine, and"
                + " this file system cannot tell whether it still runs; if it does not, delete " + file);
    }

    private static String read(FileChannel channel) throws IOException {
        long size = channel.size();
        if (size == 0 || size > 1 << 16) return "";
        ByteBuffer b = ByteBuffer.allocate((int) size);
        while (b.hasRemaining() && channel.read(b, b.position()) > 0) {}
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    static String thisHost() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) return env;
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Empties the lock file, then lets go of the lock. */
    @Override
    public void close() {
        try {
            channel.truncate(0);
            channel.force(true);
        } catch (IOException ignored) {
            // a lock file left with its holder is recognised as stale by the next run
        } finally {
            try {
                if (lock != null) lock.release();
            } catch (IOException ignored) {
                // closing the channel releases it too
            }
            closeQuietly(channel);
            HELD.remove(root);
        }
    }

    /**
     * Removes {@code root} when this process made it and a run failed before writing anything into it: all it holds is
     * the emptied lock file.
     */
    public static void removeIfUnused(Path root) {
        try (var entries = Files.list(root)) {
            List<Path> all = entries.toList();
            if (all.size() != 1 || !all.get(0).getFileName().toString().equals(FILE) || Files.size(all.get(0)) != 0)
                return;
            Files.delete(all.get(0));
            Files.delete(root);
        } catch (IOException inUse) {
            // someone is using it now: keep it
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
