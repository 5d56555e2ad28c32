package org.tarflow4j.tensorboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The TFRecord framing checked without the code under test: a bitwise CRC32C (reflected Castagnoli polynomial
 * 0x82F63B78), the mask computed with long arithmetic, and the little-endian fields decoded by hand.
 */
final class FrameCheck {
    private FrameCheck() {}

    static int crc32c(byte[] data, int offset, int length) {
        int crc = 0xFFFFFFFF;
        for (int i = offset; i < offset + length; i++) {
            crc ^= data[i] & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x82F63B78 : crc >>> 1;
            }
        }
        return ~crc;
    }

    static int mask(int crc) {
        long c = crc & 0xFFFFFFFFL;
        long rotated = ((c >> 15) | (c << 17)) & 0xFFFFFFFFL;
        return (int) ((rotated + 0xa282ead8L) & 0xFFFFFFFFL);
    }

    static long littleEndian(byte[] bytes, int offset, int count) {
        long value = 0;
        for (int i = count - 1; i >= 0; i--) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    /** Every record's data; asserts each length CRC and data CRC, and that the records fill the bytes exactly. */
    static List<byte[]> records(byte[] file) {
        List<byte[]> records = new ArrayList<>();
        int at = 0;
        while (at < file.length) {
            assertTrue(at + 12 <= file.length, "a whole header at byte " + at);
            long length = littleEndian(file, at, 8);
            assertEquals(mask(crc32c(file, at, 8)), (int) littleEndian(file, at + 8, 4), "length CRC at byte " + at);
            int dataStart = at + 12;
            assertTrue(dataStart + length + 4 <= file.length, "a whole record at byte " + at);
            int end = dataStart + (int) length;
            assertEquals(
                    mask(crc32c(file, dataStart, (int) length)),
                    (int) littleEndian(file, end, 4),
                    "data CRC of the record at byte " + at);
            records.add(Arrays.copyOfRange(file, dataStart, end));
            at = end + 4;
        }
        assertEquals(file.length, at, "records end exactly at the end of the file");
        return records;
    }
}
