package org.tarflow4j.trainer.export;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.TarflowException;

/**
 * The safetensors format: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON, then the tensors'
 * bytes. The header maps each tensor's name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (byte offsets
 * into the data that follows the header, the tensors one after the other with no gaps) and holds string-to-string
 * {@code "__metadata__"}. Data is little-endian and row-major (C order). The header is padded with spaces to a
 * multiple of 8 bytes, so every tensor starts 8-byte aligned.
 */
public final class SafeTensors {
    /** The header key of the free-form string metadata. */
    public static final String METADATA = "__metadata__";
    /** The largest header this reader accepts (as the reference implementation). */
    static final long MAX_HEADER = 100_000_000;

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private SafeTensors() {}

    /**
     * One tensor as stored.
     *
     * @param data its elements, little-endian, row-major
     */
    public record Entry(String name, Dtype dtype, long[] shape, byte[] data) {
        public Entry {
            long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            if (elements * dtype.bytes != data.length)
                throw new IllegalArgumentException(name + ": " + data.length + " bytes for " + elements
                        + " elements of " + dtype + " (shape " + Arrays.toString(shape) + ")");
        }

        /** A copy of {@code tensor}'s elements on the CPU. */
        public static Entry of(String name, Tensor tensor) {
            Tensor t = Placement.CPU.put(tensor.detach()).contiguous();
            Dtype dtype = Dtype.of(t.scalar_type(), name);
            long bytes = t.nbytes();
            if (bytes > Integer.MAX_VALUE - 8)
                throw new TarflowException("tensor " + name + " has " + bytes + " bytes; the safetensors writer of"
                        + " tarflow4j takes tensors up to 2 GiB each");
            byte[] data = new byte[(int) bytes];
            if (bytes > 0) {
                BytePointer p = new BytePointer(t.const_data_ptr());
                p.capacity(bytes).limit(bytes);
                p.get(data);
            }
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) swap(data, dtype.bytes);
            return new Entry(name, dtype, t.sizes().vec().get(), data);
        }

        /** The elements as a new CPU tensor of this dtype and shape. */
        public Tensor tensor() {
            Tensor t = torch.zeros(shape, Placement.CPU.options(dtype.scalar));
            if (data.length > 0) {
                byte[] bytes = data;
                if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) swap(bytes = data.clone(), dtype.bytes);
                BytePointer p = new BytePointer(t.mutable_data_ptr());
                p.capacity(bytes.length).limit(bytes.length);
                p.put(bytes);
            }
            return t;
        }
    }

    /** The element types tarflow4j writes and reads, by their safetensors names. */
    public enum Dtype {
        F64(ScalarType.Double, 8),
        F32(ScalarType.Float, 4),
        F16(ScalarType.Half, 2),
        BF16(ScalarType.BFloat16, 2),
        I64(ScalarType.Long, 8),
        I32(ScalarType.Int, 4),
        I16(ScalarType.Short, 2),
        I8(ScalarType.Char, 1),
        U8(ScalarType.Byte, 1),
        BOOL(ScalarType.Bool, 1);

        final ScalarType scalar;
        final int bytes;

        Dtype(ScalarType scalar, int bytes) {
            this.scalar = scalar;
            this.bytes = bytes;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }

        static Dtype of(ScalarType scalar, String tensor) {
            for (Dtype d : values()) if (d.scalar.value == scalar.value) return d;
            throw new TarflowException("tensor " + tensor + " is of the libtorch type " + scalar
                    + ", which safetensors export does not write (it writes " + Arrays.toString(values()) + ")");
        }
    }

    /** A file's tensors, in the order of their data, and its metadata. */
    public record Contents(List<Entry> tensors, Map<String, String> metadata) {
        /** The tensor named {@code name}, or null. */
        public Entry get(String name) {
            for (Entry e : tensors) if (e.name().equals(name)) return e;
            return null;
        }
    }

    /** Writes {@code tensors} (in this order) and {@code metadata} to {@code file}, atomically. */
    public static void write(Path file, List<Entry> tensors, Map<String, String> metadata) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put(METADATA, metadata);
        long offset = 0;
        for (Entry e : tensors) {
            if (e.name().equals(METADATA) || header.containsKey(e.name()))
                throw new IllegalArgumentException("tensor name " + e.name() + " is taken");
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.dtype().name());
            info.put("shape", e.shape());
            info.put("data_offsets", new long[] {offset, offset + e.data().length});
            header.put(e.name(), info);
            offset += e.data().length;
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');
        Path tmp = AtomicFiles.temporary(file);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                out.write(ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(padded)
                        .array());
                out.write(head);
                for (Entry e : tensors) out.write(e.data());
            }
            AtomicFiles.publish(tmp, file);
        } catch (IOException e) {
            throw new TarflowException(
                    "cannot write " + file + ": " + e.getMessage() + " (check the disk space and" + " permissions)");
        }
    }

    /** Reads a whole file; one that is not a safetensors file, or is cut short, is an error naming what is wrong. */
    public static Contents read(Path file) {
        if (!Files.isRegularFile(file)) throw new TarflowException(file + " does not exist; give a .safetensors file");
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            byte[] length = in.readNBytes(8);
            if (length.length < 8) throw bad(file, "it is shorter than the 8-byte header length");
            long n = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n < 2 || n > MAX_HEADER || 8 + n > size)
                throw bad(
                        file,
                        "its header length " + Long.toUnsignedString(n) + " does not fit a file of " + size + " bytes");
            JsonObject header = parse(file, new String(in.readNBytes((int) n), StandardCharsets.UTF_8));
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Header> entries = new java.util.ArrayList<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals(METADATA)) {
                    if (!e.getValue().isJsonObject()) throw bad(file, METADATA + " is not an object");
                    for (Map.Entry<String, JsonElement> m :
                            e.getValue().getAsJsonObject().entrySet())
                        metadata.put(m.getKey(), m.getValue().getAsString());
                } else {
                    entries.add(Header.of(file, e.getKey(), e.getValue()));
                }
            }
            entries.sort((a, b) -> Long.compare(a.begin, b.begin));
            long data = size - 8 - n;
            long at = 0;
            List<Entry> tensors = new java.util.ArrayList<>();
            for (Header h : entries) {
                if (h.begin != at)
                    throw bad(file, "tensor " + h.name + " starts at byte " + h.begin + " of the data, expected " + at);
                long elements = Arrays.stream(h.shape).reduce(1, Math::multiplyExact);
                if (h.end - h.begin != elements * h.dtype.bytes)
                    throw bad(
                            file,
                            "tensor " + h.name + " has " + (h.end - h.begin) + " bytes for shape "
                                    + Arrays.toString(h.shape) + " of " + h.dtype);
                if (h.end > data) throw bad(file, "tensor " + h.name + " ends past the end of the file (cut short?)");
                byte[] bytes = in.readNBytes((int) (h.end - h.begin));
                tensors.add(new Entry(h.name, h.dtype, h.shape, bytes));
                at = h.end;
            }
            if (at != data) throw bad(file, (data - at) + " bytes after the last tensor belong to no tensor");
            return new Contents(tensors, metadata);
        } catch (IOException e) {
            throw new TarflowException("cannot read " + file + ": " + e.getMessage());
        } catch (ArithmeticException | IllegalStateException | UnsupportedOperationException e) {
            throw bad(file, e.getMessage());
        }
    }

    /** One tensor's header entry. */
    private record Header(String name, Dtype dtype, long[] shape, long begin, long end) {
        static Header of(Path file, String name, JsonElement value) {
            if (!value.isJsonObject()) throw bad(file, "the header entry of " + name + " is not an object");
            JsonObject o = value.getAsJsonObject();
            Dtype dtype;
            try {
                dtype = Dtype.valueOf(o.get("dtype").getAsString());
            } catch (IllegalArgumentException | NullPointerException e) {
                throw bad(
                        file,
                        "tensor " + name + " has the dtype " + o.get("dtype") + ", which tarflow4j does not"
                                + " read (it reads " + Arrays.toString(Dtype.values()) + ")");
            }
            long[] shape = longs(file, name, o.get("shape"));
            long[] offsets = longs(file, name, o.get("data_offsets"));
            if (offsets.length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                throw bad(file, "tensor " + name + " has the data_offsets " + o.get("data_offsets"));
            return new Header(name, dtype, shape, offsets[0], offsets[1]);
        }

        private static long[] longs(Path file, String name, JsonElement value) {
            if (value == null || !value.isJsonArray()) throw bad(file, "tensor " + name + " lacks a shape or offsets");
            JsonArray a = value.getAsJsonArray();
            long[] out = new long[a.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = a.get(i).getAsLong();
                if (out[i] < 0) throw bad(file, "tensor " + name + " has a negative size or offset");
            }
            return out;
        }
    }

    private static JsonObject parse(Path file, String json) {
        try {
            JsonElement e = JsonParser.parseString(json.strip());
            if (!e.isJsonObject()) throw bad(file, "its header is not a JSON object");
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw bad(file, "its header is not JSON (" + e.getMessage() + ")");
        }
    }

    private static TarflowException bad(Path file, String what) {
        return new TarflowException(file + " is not a readable safetensors file: " + what);
    }

    /** Reverses the bytes of every {@code width}-byte element (for a big-endian host). */
    private static void swap(byte[] data, int width) {
        for (int i = 0; i + width <= data.length; i += width)
            for (int a = i, b = i + width - 1; a < b; a++, b--) {
                byte t = data[a];
                data[a] = data[b];
                data[b] = t;
            }
    }
}
