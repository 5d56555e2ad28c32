package org.tarflow4j.trainer.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.core.TarflowException;

/** The safetensors layout: every dtype round trips bit for bit, the header is as documented, damage is named. */
class SafeTensorsTest {
    /** One tensor of every dtype tarflow4j writes (a scalar and an empty one among them), with known values. */
    static List<SafeTensors.Entry> everyDtype() {
        List<SafeTensors.Entry> out = new ArrayList<>();
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(3);
            Tensor x = torch.randn(new long[] {2, 3}, new TensorOptions(torch.ScalarType.Double))
                    .mul(new Scalar(100.0));
            out.add(SafeTensors.Entry.of("f64", x));
            out.add(SafeTensors.Entry.of("f32", x.to(torch.ScalarType.Float)));
            out.add(SafeTensors.Entry.of("f16", x.to(torch.ScalarType.Half)));
            out.add(SafeTensors.Entry.of("bf16", x.to(torch.ScalarType.BFloat16)));
            out.add(SafeTensors.Entry.of("i64", x.mul(new Scalar(1e6)).to(torch.ScalarType.Long)));
            out.add(SafeTensors.Entry.of("i32", x.to(torch.ScalarType.Int)));
            out.add(SafeTensors.Entry.of("i16", x.to(torch.ScalarType.Short)));
            out.add(SafeTensors.Entry.of("i8", x.div(new Scalar(4.0)).to(torch.ScalarType.Char)));
            out.add(SafeTensors.Entry.of("u8", x.abs().div(new Scalar(4.0)).to(torch.ScalarType.Byte)));
            out.add(SafeTensors.Entry.of("bool", x.gt(new Scalar(0.0))));
            out.add(SafeTensors.Entry.of(
                    "scalar", torch.full(new long[] {}, new Scalar(2.5), new TensorOptions(torch.ScalarType.Double))));
            out.add(SafeTensors.Entry.of(
                    "empty", torch.zeros(new long[] {0, 3}, new TensorOptions(torch.ScalarType.Float))));
        }
        return out;
    }

    @Test
    void everyDtypeRoundTripsBitForBit(@TempDir Path dir) {
        List<SafeTensors.Entry> written = everyDtype();
        Path file = dir.resolve("all.safetensors");
        SafeTensors.write(file, written, Map.of("note", "every dtype"));
        SafeTensors.Contents read = SafeTensors.read(file);
        assertEquals(Map.of("note", "every dtype"), read.metadata());
        assertEquals(written.size(), read.tensors().size());
        try (PointerScope scope = new PointerScope()) {
            for (SafeTensors.Entry w : written) {
                SafeTensors.Entry r = read.get(w.name());
                assertEquals(w.dtype(), r.dtype(), w.name());
                assertArrayEquals(w.shape(), r.shape(), w.name());
                assertArrayEquals(w.data(), r.data(), w.name());
                Tensor t = r.tensor();
                assertArrayEquals(w.shape(), t.sizes().vec().get(), w.name());
                assertArrayEquals(w.data(), SafeTensors.Entry.of(w.name(), t).data(), w.name() + " as a tensor");
            }
        }
    }

    /** 8-byte little-endian header length N (a multiple of 8), N bytes of JSON, then the tensors back to back. */
    @Test
    void theLayoutIsTheDocumentedOne(@TempDir Path dir) throws Exception {
        List<SafeTensors.Entry> written = everyDtype();
        Path file = dir.resolve("all.safetensors");
        SafeTensors.write(file, written, Map.of("format", "test"));
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) n, StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertEquals(
                "test", header.getAsJsonObject("__metadata__").get("format").getAsString());
        long end = 0;
        for (SafeTensors.Entry w : written) {
            JsonObject info = header.getAsJsonObject(w.name());
            assertEquals(w.dtype().name(), info.get("dtype").getAsString());
            long begin = info.getAsJsonArray("data_offsets").get(0).getAsLong();
            assertEquals(end, begin, w.name() + " follows the tensor before it");
            end = info.getAsJsonArray("data_offsets").get(1).getAsLong();
            assertArrayEquals(
                    w.data(),
                    Arrays.copyOfRange(bytes, (int) (8 + n + begin), (int) (8 + n + end)),
                    w.name() + " bytes at its offsets");
        }
        assertEquals(bytes.length, 8 + n + end, "no bytes after the last tensor");
        // Little-endian float64: the first element's bytes, read as such, are the value.
        double first = ByteBuffer.wrap(written.get(0).data())
                .order(ByteOrder.LITTLE_ENDIAN)
                .getDouble();
        try (PointerScope scope = new PointerScope()) {
            assertEquals(written.get(0).tensor().flatten().get(0).item_double(), first);
        }
    }

    @Test
    void damagedFilesAreNamedWithWhatIsWrong(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("all.safetensors");
        SafeTensors.write(file, everyDtype(), Map.of());
        byte[] bytes = Files.readAllBytes(file);
        Path cut = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(bytes, bytes.length - 3));
        String m = assertThrows(TarflowException.class, () -> SafeTensors.read(cut))
                .getMessage();
        assertTrue(m.startsWith(cut + " is not a readable safetensors file: "), m);
        Path text = Files.writeString(dir.resolve("text.safetensors"), "hello, this is not a safetensors file");
        m = assertThrows(TarflowException.class, () -> SafeTensors.read(text)).getMessage();
        assertTrue(m.contains("header length"), m);
        m = assertThrows(TarflowException.class, () -> SafeTensors.read(dir.resolve("none.safetensors")))
                .getMessage();
        assertTrue(m.endsWith("does not exist; give a .safetensors file"), m);
    }
}
