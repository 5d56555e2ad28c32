package org.tarflow4j.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TfRecordTest {
    private static final byte[] CHECK = "123456789".getBytes(StandardCharsets.US_ASCII);

    @Test
    void crc32cOfTheCheckStringIsTheCatalogueValue() {
        // The CRC-32C catalogue's check value; our bitwise reference agrees with it.
        assertEquals(0xE3069283, FrameCheck.crc32c(CHECK, 0, CHECK.length));
    }

    @Test
    void maskedCrc32cKnownAnswers() {
        // 0xE3069283 rotated right by 15 bits is 0x2507c60d (the low 15 bits 0x1283 move to the top: 0x25060000 |
        // 0x1c60d);
        // plus 0xa282ead8 gives 0xc78ab0e5 (TensorBoard's own Python masked_crc32c gives the same).
        assertEquals(0xc78ab0e5, TfRecord.maskedCrc32c(CHECK));
        assertEquals(0xc78ab0e5, FrameCheck.mask(0xE3069283));
        // The CRC of nothing is 0, so its mask is the mask constant.
        assertEquals(0xa282ead8, TfRecord.maskedCrc32c(new byte[0]));
    }

    @Test
    void aRecordIsFramedAsLengthCrcDataCrc() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TfRecord.write(out, CHECK);
        byte[] framed = out.toByteArray();
        assertEquals(12 + CHECK.length + 4, framed.length);
        List<byte[]> records = FrameCheck.records(framed);
        assertEquals(1, records.size());
        assertArrayEquals(CHECK, records.get(0));
    }

    @Test
    void readsBackWhatItWrote() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[][] payloads = {new byte[0], CHECK, new byte[70_000]};
        Arrays.fill(payloads[2], (byte) 7);
        for (byte[] p : payloads) {
            TfRecord.write(out, p);
        }
        List<TfRecord.Record> records = TfRecord.readAll(new ByteArrayInputStream(out.toByteArray()), false);
        assertEquals(3, records.size());
        long offset = 0;
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(payloads[i], records.get(i).data());
            assertEquals(offset, records.get(i).offset());
            offset += 16 + payloads[i].length;
        }
    }

    @Test
    void aTruncatedTailIsAnErrorUnlessAllowed() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TfRecord.write(out, CHECK);
        TfRecord.write(out, CHECK);
        byte[] whole = out.toByteArray();
        for (int cut = 1; cut < 25; cut++) {
            byte[] partial = Arrays.copyOf(whole, whole.length - cut);
            TfRecord.DamagedRecordException e = assertThrows(
                    TfRecord.DamagedRecordException.class,
                    () -> TfRecord.readAll(new ByteArrayInputStream(partial), false));
            assertEquals(25, e.offset(), "the second record starts at byte 25");
            assertTrue(e.getMessage().startsWith("truncated record"), e.getMessage());
            assertEquals(
                    1, TfRecord.readAll(new ByteArrayInputStream(partial), true).size());
        }
    }
}
