package org.tarflow4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The text8 alphabet: space (id 0) and a-z (ids 1-26). Text is normalised the text8 way: ASCII letters lower-cased,
 * every other character a space, runs of spaces collapsed. A UTF-8 byte outside ASCII maps to a space just as the
 * character it belongs to does, so normalising bytes and normalising characters give the same text.
 */
final class Text8Tokenizer implements DocumentEncoder {
    static final String NAME = "text8";
    static final Text8Tokenizer INSTANCE = new Text8Tokenizer();
    static final int SPACE = 0;

    private Text8Tokenizer() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int vocabSize() {
        return 27;
    }

    @Override
    public boolean characterLevel() {
        return true;
    }

    /** Normalises, keeping a leading or trailing space (a single one) if the text has one. */
    @Override
    public int[] encode(String text) {
        int[] ids = new int[text.length()];
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            int id = symbol(text.charAt(i));
            if (id != SPACE || n == 0 || ids[n - 1] != SPACE) ids[n++] = id;
        }
        return Arrays.copyOf(ids, n);
    }

    @Override
    public String decode(int[] ids) {
        char[] chars = new char[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] > 26)
                throw new IllegalArgumentException("text8 id " + ids[i] + " is outside 0..26");
            chars[i] = ids[i] == SPACE ? ' ' : (char) ('a' + ids[i] - 1);
        }
        return new String(chars);
    }

    /** A corpus document: normalised, without leading or trailing spaces. */
    @Override
    public void encodeDocument(InputStream utf8, TokenSink out) throws IOException {
        byte[] buffer = new byte[1 << 16];
        boolean started = false;
        boolean pendingSpace = false;
        for (int n = utf8.read(buffer); n >= 0; n = utf8.read(buffer)) {
            for (int i = 0; i < n; i++) {
                int id = symbol(buffer[i]);
                if (id == SPACE) {
                    pendingSpace = started;
                } else {
                    if (pendingSpace) out.accept(SPACE);
                    out.accept(id);
                    started = true;
                    pendingSpace = false;
                }
            }
        }
    }

    @Override
    public int[] separator() {
        return new int[] {SPACE};
    }

    /** The id of a character or byte after normalisation. */
    static int symbol(int c) {
        if (c >= 'a' && c <= 'z') return c - 'a' + 1;
        if (c >= 'A' && c <= 'Z') return c - 'A' + 1;
        return SPACE;
    }

    /** The id of a character of published text8, which has only a-z and space; -1 for anything else. */
    static int strictSymbol(int c) {
        if (c >= 'a' && c <= 'z') return c - 'a' + 1;
        return c == ' ' ? SPACE : -1;
    }
}
