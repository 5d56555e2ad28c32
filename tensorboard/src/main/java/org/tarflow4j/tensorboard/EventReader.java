package org.tarflow4j.tensorboard;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.tarflow4j.tensorboard.proto.Event;

/**
 * Reads TensorBoard event files back: every record's length CRC and data CRC are checked, and every record is parsed
 * as an {@link Event}. A damaged record is an {@link EventFileException} naming the file and the record's offset.
 */
public final class EventReader {
    private EventReader() {}

    /**
     * All events of a complete file, the file-version record first.
     *
     * @throws EventFileException if the file cannot be read, a record fails a CRC check or is cut short, or a record
     *     is not an Event
     */
    public static List<Event> read(Path file) {
        return read(file, false);
    }

    /**
     * The events of a file that may still be written: a last record cut short by the end of the file is left out
     * (it is being appended); every complete record is checked as by {@link #read}.
     */
    public static List<Event> readAvailable(Path file) {
        return read(file, true);
    }

    /** The event files directly in {@code logDir}, oldest first (their names start with the creation time). */
    public static List<Path> eventFiles(Path logDir) {
        try (Stream<Path> files = Files.list(logDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(SummaryWriter.FILE_PREFIX))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new EventFileException(logDir, "cannot list the directory (" + e + ")", e);
        }
    }

    private static List<Event> read(Path file, boolean allowTruncatedTail) {
        List<TfRecord.Record> records;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            records = TfRecord.readAll(in, allowTruncatedTail);
        } catch (TfRecord.DamagedRecordException e) {
            throw new EventFileException(file, e.offset(), e.getMessage() + "; the file is damaged", e);
        } catch (NoSuchFileException e) {
            throw new EventFileException(file, "no such file", e);
        } catch (IOException e) {
            throw new EventFileException(file, "cannot read (" + e + ")", e);
        }
        List<Event> events = new ArrayList<>(records.size());
        for (TfRecord.Record record : records) {
            try {
                events.add(Event.parseFrom(record.data()));
            } catch (InvalidProtocolBufferException e) {
                throw new EventFileException(
                        file, record.offset(), "not an Event protocol buffer (" + e.getMessage() + ")", e);
            }
        }
        return events;
    }
}
