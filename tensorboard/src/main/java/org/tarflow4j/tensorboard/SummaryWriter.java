package org.tarflow4j.tensorboard;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.tarflow4j.tensorboard.proto.Event;
import org.tarflow4j.tensorboard.proto.Summary;

/**
 * Writes one TensorBoard event file, {@code events.out.tfevents.<seconds>.<host>.<pid>.<n>}, into a log directory, so
 * that {@code tensorboard --logdir} shows its scalars, text, histograms and hparams. The first record is the {@code
 * brain.Event:2} file version; every later record is one {@link Event} holding a {@link Summary} at a step.
 *
 * <p>Appends are thread-safe. Records are buffered and flushed after {@link Options#flushRecords()} records, every
 * {@link Options#flushInterval()} (by a shared daemon thread, so a running job shows its progress even while it logs
 * nothing), on {@link #flush()} and on {@link #close()}. An IO error, also one met by the periodic flush, is thrown as
 * an {@link EventFileException} naming the file by the next call.
 */
public final class SummaryWriter implements AutoCloseable {
    /** The file version TensorBoard expects in the first record. */
    public static final String FILE_VERSION = "brain.Event:2";
    /** The start of every event file's name; TensorBoard reads files whose names contain "tfevents". */
    public static final String FILE_PREFIX = "events.out.tfevents.";
    /** The tag {@link #config} writes under. */
    public static final String CONFIG_TAG = "config";

    private static final AtomicInteger FILES_OPENED = new AtomicInteger();

    /**
     * When buffered records reach the file.
     *
     * @param flushRecords flush once this many records are buffered (at least 1)
     * @param flushInterval flush what is buffered at least this often (positive)
     * @param clock the wall time stamped on events and in the file name
     */
    public record Options(int flushRecords, Duration flushInterval, InstantSource clock) {
        public Options {
            if (flushRecords < 1) {
                throw new IllegalArgumentException("flushRecords must be at least 1, got " + flushRecords);
            }
            if (flushInterval.isZero() || flushInterval.isNegative()) {
                throw new IllegalArgumentException("flushInterval must be positive, got " + flushInterval);
            }
            Objects.requireNonNull(clock, "clock");
        }

        /** Flush every 100 records or 5 seconds (TensorBoard itself reloads every 5 seconds); the system clock. */
        public static Options defaults() {
            return new Options(100, Duration.ofSeconds(5), InstantSource.system());
        }
    }

    private final Path file;
    private final Options options;
    private final Object lock = new Object();
    private final OutputStream out;
    private final ScheduledFuture<?> periodicFlush;
    private int pending;
    private boolean closed;
    private IOException failure;

    private SummaryWriter(Path file, OutputStream out, Options options) {
        this.file = file;
        this.out = out;
        this.options = options;
        long periodNanos = options.flushInterval().toNanos();
        this.periodicFlush = Flusher.EXECUTOR.scheduleWithFixedDelay(
                this::periodicFlush, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    /** Opens a new event file in {@code logDir} (created if missing) with the {@linkplain Options#defaults defaults}. */
    public static SummaryWriter open(Path logDir) {
        return open(logDir, Options.defaults());
    }

    /**
     * Opens a new event file in {@code logDir} (created if missing) and writes its file-version record.
     *
     * @throws EventFileException if the directory or the file cannot be created
     */
    public static SummaryWriter open(Path logDir, Options options) {
        Instant now = options.clock().instant();
        String name = String.format(
                Locale.ROOT,
                "%s%010d.%s.%d.%d",
                FILE_PREFIX,
                now.getEpochSecond(),
                hostName(),
                ProcessHandle.current().pid(),
                FILES_OPENED.getAndIncrement());
        Path file = logDir.resolve(name);
        OutputStream out;
        try {
            Files.createDirectories(logDir);
            out = new BufferedOutputStream(
                    Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16);
        } catch (IOException e) {
            throw new EventFileException(
                    file, "cannot create it (" + e + "); check that " + logDir + " is writable", e);
        }
        SummaryWriter writer = new SummaryWriter(file, out, options);
        try {
            writer.append(Event.newBuilder()
                    .setWallTime(seconds(now))
                    .setFileVersion(FILE_VERSION)
                    .build());
            writer.flush();
        } catch (EventFileException e) {
            try {
                writer.close();
            } catch (EventFileException alreadyReported) {
                e.addSuppressed(alreadyReported);
            }
            throw e;
        }
        return writer;
    }

    /** The event file being written. */
    public Path file() {
        return file;
    }

    /** A scalar at {@code step}, stamped with the current wall time. */
    public void scalar(String tag, long step, double value) {
        scalar(tag, step, now(), value);
    }

    /** A scalar at {@code step}, stamped with {@code wallTime} (seconds since the epoch). */
    public void scalar(String tag, long step, double wallTime, double value) {
        write(
                step,
                wallTime,
                Summary.newBuilder().addValue(Summaries.scalar(tag, value)).build());
    }

    /** Several scalars at {@code step} in one event, in the map's iteration order. */
    public void scalars(long step, Map<String, ? extends Number> values) {
        Summary.Builder summary = Summary.newBuilder();
        values.forEach((tag, value) -> summary.addValue(Summaries.scalar(tag, value.doubleValue())));
        write(step, now(), summary.build());
    }

    /** Markdown text at {@code step}, shown by the text dashboard (use {@link Markdown#codeBlock} for verbatim text). */
    public void text(String tag, long step, String markdown) {
        write(
                step,
                now(),
                Summary.newBuilder().addValue(Summaries.text(tag, markdown)).build());
    }

    /**
     * A histogram of {@code values} at {@code step}, over TensorFlow's default exponential buckets ({@link Histogram}).
     *
     * @throws IllegalArgumentException if a value is NaN or infinite
     */
    public void histogram(String tag, long step, double[] values) {
        write(
                step,
                now(),
                Summary.newBuilder().addValue(Summaries.histogram(tag, values)).build());
    }

    /** The resolved configuration, shown verbatim as a TOML code block under the tag {@value #CONFIG_TAG} at step 0. */
    public void config(String toml) {
        text(CONFIG_TAG, 0, Markdown.codeBlock(toml, "toml"));
    }

    /**
     * The HParams experiment at step 0: the hyperparameters (with the values they take) and the metrics that
     * TensorBoard's HParams dashboard compares runs by. Write it once, into the log directory that holds the runs
     * (e.g. a sweep's directory, whose runs are its points).
     */
    public void hparamsExperiment(List<HParam> hparams, List<HParamMetric> metrics) {
        double now = now();
        write(
                0,
                now,
                Summary.newBuilder()
                        .addValue(HParamsSummaries.experiment(hparams, metrics, now))
                        .build());
    }

    /** This run's hyperparameter values (strings, numbers or booleans), at step 0: a row of the HParams dashboard. */
    public void hparamsSessionStart(Map<String, ?> hparams) {
        hparamsSessionStart(hparams, "");
    }

    /**
     * This run's hyperparameter values at step 0; runs with the same non-empty {@code groupName} (e.g. one sweep
     * point trained with several seeds) form one row, their metrics averaged.
     */
    public void hparamsSessionStart(Map<String, ?> hparams, String groupName) {
        double now = now();
        write(
                0,
                now,
                Summary.newBuilder()
                        .addValue(HParamsSummaries.sessionStart(hparams, groupName, now))
                        .build());
    }

    /** How this run ended, for the HParams dashboard's status column. */
    public void hparamsSessionEnd(long step, SessionStatus status) {
        double now = now();
        write(
                step,
                now,
                Summary.newBuilder()
                        .addValue(HParamsSummaries.sessionEnd(status, now))
                        .build());
    }

    /** Appends one event holding {@code summary} at {@code step}, stamped with {@code wallTime}. */
    public void write(long step, double wallTime, Summary summary) {
        append(Event.newBuilder()
                .setWallTime(wallTime)
                .setStep(step)
                .setSummary(summary)
                .build());
    }

    /** Writes every buffered record to the file. */
    public void flush() {
        synchronized (lock) {
            checkUsable();
            try {
                flushLocked();
            } catch (IOException e) {
                throw failed(e);
            }
        }
    }

    /** Flushes and closes the file; later calls do nothing. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            periodicFlush.cancel(false);
            try (out) {
                if (failure == null) {
                    flushLocked();
                }
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
            if (failure != null) {
                throw failed(failure);
            }
        }
    }

    private void append(Event event) {
        byte[] data = event.toByteArray();
        synchronized (lock) {
            checkUsable();
            try {
                TfRecord.write(out, data);
                pending++;
                if (pending >= options.flushRecords()) {
                    flushLocked();
                }
            } catch (IOException e) {
                throw failed(e);
            }
        }
    }

    private void periodicFlush() {
        synchronized (lock) {
            if (closed || failure != null || pending == 0) {
                return;
            }
            try {
                flushLocked();
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    private void flushLocked() throws IOException {
        out.flush();
        pending = 0;
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("TensorBoard event file " + file + " is closed");
        }
        if (failure != null) {
            throw failed(failure);
        }
    }

    private EventFileException failed(IOException e) {
        failure = e;
        return new EventFileException(file, "cannot write (" + e + ")", e);
    }

    private double now() {
        return seconds(options.clock().instant());
    }

    private static double seconds(Instant instant) {
        return instant.getEpochSecond() + instant.getNano() / 1e9;
    }

    private static String hostName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
        // A file name, not a path: keep it to characters every file system takes.
        String safe = host.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() ? "localhost" : safe;
    }

    /** One daemon thread flushes every open writer on its period. */
    private static final class Flusher {
        static final ScheduledExecutorService EXECUTOR = create();

        private static ScheduledExecutorService create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, "tensorboard-flush");
                thread.setDaemon(true);
                return thread;
            });
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }
    }
}
