package org.tarflow4j.trainer.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The description of a checkpoint read straight from its archive, without loading a tensor. A libtorch archive is a
 * zip file: the tensors are records of their own ({@code NAME/data/0}, …) and the attributes of the root object are
 * pickled into {@code NAME/data.pkl}, where the description is the string under the key {@code meta}. Reading it
 * costs a few kilobytes instead of the whole model; when the layout is not as expected, the caller falls back to
 * libtorch.
 */
final class MetaRecord {
    /** Pickle opcodes: a string with a 4-byte length, and the ways a string is memoized after it. */
    private static final int BINUNICODE = 'X';

    private static final int BINPUT = 'q';
    private static final int LONG_BINPUT = 'r';
    private static final int MEMOIZE = 0x94;
    private static final byte[] KEY = {'X', 4, 0, 0, 0, 'm', 'e', 't', 'a'};

    private MetaRecord() {}

    /** The {@code meta} string of the archive; empty when the file is not a zip or holds no such string. */
    static Optional<String> read(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pickle = null;
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                String name = entry.getName();
                if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                    pickle = entry;
                    break;
                }
            }
            if (pickle == null) return Optional.empty();
            byte[] bytes;
            try (InputStream in = zip.getInputStream(pickle)) {
                bytes = in.readAllBytes();
            }
            return stringAfterKey(bytes);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The string pickled right after the key {@code 'meta'} (a memo opcode may sit between them). */
    static Optional<String> stringAfterKey(byte[] pickle) {
        for (int at = indexOf(pickle, KEY, 0); at >= 0; at = indexOf(pickle, KEY, at + 1)) {
            int p = at + KEY.length;
            if (p < pickle.length && (pickle[p] & 0xff) == BINPUT) p += 2;
            else if (p < pickle.length && (pickle[p] & 0xff) == LONG_BINPUT) p += 5;
            else if (p < pickle.length && (pickle[p] & 0xff) == MEMOIZE) p += 1;
            if (p + 5 > pickle.length || (pickle[p] & 0xff) != BINUNICODE) continue;
            long length = ByteBuffer.wrap(pickle, p + 1, 4)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .getInt()
                    & 0xffffffffL;
            if (p + 5 + length > pickle.length) continue;
            try {
                return Optional.of(StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(pickle, p + 5, (int) length))
                        .toString());
            } catch (CharacterCodingException e) {
                // not a string of ours; look further
            }
        }
        return Optional.empty();
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
