package org.tarflow4j.tensorboard;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The TFRecord framing of TensorBoard event files. Each record is
 *
 * <pre>
 * uint64 length          (little-endian)
 * uint32 masked CRC32C of the 8 length bytes
 * byte   data[length]
 * uint32 masked CRC32C of the data
 * </pre>
 *
 * where a CRC32C (Castagnoli, {@link CRC32C}) is masked as {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8}.
 */
public final class TfRecord {
    /** Bytes before the data: the length and its CRC. */
    public static final int HEADER_BYTES = 12;
    /** Bytes after the data: its CRC. */
    public static final int FOOTER_BYTES = 4;

    private static final int MASK_DELTA = 0xa282ead8;

    private TfRecord() {}

    /** The masked CRC32C of {@code data[offset, offset + length)}. */
    public static int maskedCrc32c(byte[] data, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, offset, length);
        return mask((int) crc.getValue());
    }

    /** The masked CRC32C of all of {@code data}. */
    public static int maskedCrc32c(byte[] data) {
        return maskedCrc32c(data, 0, data.length);
    }

    /** TensorFlow's CRC mask: rotate right by 15 bits, then add a constant. */
    public static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    /** Appends one framed record holding {@code data} to {@code out}. */
    public static void write(OutputStream out, byte[] data) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putLong(data.length);
        header.putInt(maskedCrc32c(header.array(), 0, Long.BYTES));
        ByteBuffer footer = ByteBuffer.allocate(FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        footer.putInt(maskedCrc32c(data));
        out.write(header.array());
        out.write(data);
        out.write(footer.array());
    }

    /** One record's data and the byte offset where its frame starts. */
    public record Record(long offset, byte[] data) {}

    /** A record that fails its checks: what is wrong, and where the record starts. */
    public static final class DamagedRecordException extends IOException {
        private static final long serialVersionUID = 1L;
        private final long offset;

        DamagedRecordException(long offset, String message) {
            super(message);
            this.offset = offset;
        }

        /** The byte offset where the damaged record starts. */
        public long offset() {
            return offset;
        }
    }

    /**
     * Reads every record of a stream, checking both CRCs of each.
     *
     * @param allowTruncatedTail whether a last record cut short by the end of the stream (a file still being
     *     written) ends the list quietly; otherwise it is an error
     * @throws DamagedRecordException for a CRC mismatch, an impossible length, or (unless allowed) a truncated record
     */
    public static List<Record> readAll(InputStream in, boolean allowTruncatedTail) throws IOException {
        List<Record> records = new ArrayList<>();
        long offset = 0;
        byte[] header = new byte[HEADER_BYTES];
        byte[] footer = new byte[FOOTER_BYTES];
        while (true) {
            int got = in.readNBytes(header, 0, HEADER_BYTES);
            if (got == 0) {
                return records;
            }
            if (got < HEADER_BYTES) {
                return truncated(records, offset, allowTruncatedTail, "the length header has " + got + " of 12 bytes");
            }
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            long length = h.getLong(0);
            int storedLengthCrc = h.getInt(Long.BYTES);
            int lengthCrc = maskedCrc32c(header, 0, Long.BYTES);
            if (storedLengthCrc != lengthCrc) {
                throw new DamagedRecordException(
                        offset,
                        "length CRC32C mismatch (stored " + hex(storedLengthCrc) + ", computed " + hex(lengthCrc)
                                + ")");
            }
            if (length < 0 || length > Integer.MAX_VALUE - 8) {
                throw new DamagedRecordException(
                        offset, "record length " + Long.toUnsignedString(length) + " is too large");
            }
            byte[] data;
            try {
                data = readExactly(in, (int) length);
            } catch (EOFException e) {
                return truncated(records, offset, allowTruncatedTail, "the data of " + length + " bytes is cut short");
            }
            if (in.readNBytes(footer, 0, FOOTER_BYTES) < FOOTER_BYTES) {
                return truncated(records, offset, allowTruncatedTail, "the data CRC is cut short");
            }
            int storedDataCrc =
                    ByteBuffer.wrap(footer).order(ByteOrder.LITTLE_ENDIAN).getInt();
            int dataCrc = maskedCrc32c(data);
            if (storedDataCrc != dataCrc) {
                throw new DamagedRecordException(
                        offset,
                        "data CRC32C mismatch (stored " + hex(storedDataCrc) + ", computed " + hex(dataCrc) + ")");
            }
            records.add(new Record(offset, data));
            offset += HEADER_BYTES + length + FOOTER_BYTES;
        }
    }

    private static byte[] readExactly(InputStream in, int length) throws IOException {
        // Grows with what is actually there, so a damaged length cannot allocate gigabytes up front.
        byte[] data = in.readNBytes(length);
        if (data.length < length) {
            throw new EOFException();
        }
        return data;
    }

    private static List<Record> truncated(List<Record> records, long offset, boolean allowed, String what)
            throws DamagedRecordException {
        if (allowed) {
            return records;
        }
        throw new DamagedRecordException(offset, "truncated record: " + what);
    }

    private static String hex(int value) {
        return String.format("0x%08x", value);
    }
}
