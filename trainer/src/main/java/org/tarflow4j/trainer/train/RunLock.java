package org.tarflow4j.trainer.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import org.tarflow4j.core.Json;
import org.tarflow4j.core.TarflowException;

/**
 * Keeps a run directory to one process while it trains: {@code run.lock} holds the process's id, host and start time,
 * and an operating-system lock on it that ends with the process, however it ends. Another process finds the lock held
 * and is refused, with the holder named. A lock file whose lock nobody holds was left by a process that died (killed,
 * power lost): it is taken over, and the user told whose it was. Where the file system has no locks, the process id
 * decides: a lock of a process that no longer runs on this host is taken over.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = "run.lock";

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
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
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new TarflowException("cannot create run directory " + root + ": " + e.getMessage());
        }
        for (int attempt = 0; ; attempt++) {
            FileChannel channel = null;
            try {
                channel = FileChannel.open(
                        file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                Holder previous = Holder.parse(read(channel));
                FileLock lock = null;
                boolean locks = true;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException mine) {
                    throw inUse(root, file, Holder.current(), " (this very process)");
                } catch (IOException unsupported) {
                    locks = false;
                }
                if (locks && lock == null) throw inUse(root, file, previous, "");
                if (!locks && previous != null && previous.aliveHere()) throw inUse(root, file, previous, "");
                if (!locks && previous != null && !previous.host.equals(thisHost()))
                    throw otherHost(root, file, previous);
                Holder me = Holder.current();
                byte[] mine = me.json().getBytes(StandardCharsets.UTF_8);
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(mine), 0);
                channel.force(true);
                if (!me.json().equals(readPath(file))) {
                    // the file locked here was removed by its last holder meanwhile: lock the one now in its place
                    if (lock != null) lock.release();
                    channel.close();
                    if (attempt < 10) continue;
                    throw new TarflowException("cannot lock run directory " + root + ": " + file
                            + " keeps changing; is another process starting there?");
                }
                if (previous != null)
                    log.accept("took over the lock of " + root + " left by " + previous
                            + ", which no longer holds it (it was killed, or its machine stopped)");
                return new RunLock(file, channel, lock);
            } catch (IOException e) {
                closeQuietly(channel);
                throw new TarflowException("cannot lock run directory " + root + " (" + file + "): " + e.getMessage());
            } catch (RuntimeException e) {
                closeQuietly(channel);
                throw e;
            }
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

    private static String readPath(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException gone) {
            return "";
        }
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

    /** Removes the lock file, then lets go of the lock. */
    @Override
    public void close() {
        try {
            channel.truncate(0);
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a lock file left behind is recognised as stale by the next run
        } finally {
            try {
                if (lock != null) lock.release();
            } catch (IOException ignored) {
                // closing the channel releases it too
            }
            closeQuietly(channel);
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
