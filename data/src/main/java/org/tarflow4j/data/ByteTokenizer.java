package org.tarflow4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Raw bytes, 256 symbols: text is its UTF-8 encoding. Documents are concatenated without a separator. */
final class ByteTokenizer implements DocumentEncoder {
    static final String NAME = "byte";
    static final ByteTokenizer INSTANCE = new ByteTokenizer();

    private ByteTokenizer() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int vocabSize() {
        return 256;
    }

    @Override
    public boolean characterLevel() {
        return true;
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xFF;
        return ids;
    }

    /** Malformed UTF-8 (a window may cut a character) decodes to U+FFFD. */
    @Override
    public String decode(int[] ids) {
        byte[] bytes = new byte[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] > 255)
                throw new IllegalArgumentException("byte id " + ids[i] + " is outside 0..255");
            bytes[i] = (byte) ids[i];
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void encodeDocument(InputStream utf8, TokenSink out) throws IOException {
        byte[] buffer = new byte[1 << 16];
        for (int n = utf8.read(buffer); n >= 0; n = utf8.read(buffer)) {
            for (int i = 0; i < n; i++) out.accept(buffer[i] & 0xFF);
        }
    }

    @Override
    public int[] separator() {
        return new int[0];
    }
}
