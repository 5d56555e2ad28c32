package org.tarflow4j.data;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import org.tarflow4j.core.TarflowException;

/**
 * Counts what a file handed to a character-level corpus is made of, as it streams past: characters (UTF-8 decoded),
 * the letters a-z the text8 alphabet keeps, white space, and binary bytes (control characters and malformed UTF-8).
 * A file that is more than {@value #MAX_BINARY_PERCENT}% binary is refused (random bytes are about half binary; text
 * in a legacy 8-bit encoding a few per cent); a text most of whose characters text8 normalisation turns into spaces is
 * reported with the share dropped.
 */
final class TextCheck extends FilterInputStream {
    static final int MAX_BINARY_PERCENT = 10;
    /** Above this share of characters that become spaces, the preparation says how much was dropped. */
    static final int REPORT_DROPPED_PERCENT = 20;

    private long characters;
    private long letters;
    private long spaces;
    private long binary;
    private int continuation;

    TextCheck(InputStream in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        int c = super.read();
        if (c >= 0) count(c);
        return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        for (int i = 0; i < n; i++) count(b[off + i] & 0xFF);
        return n;
    }

    private void count(int c) {
        if (continuation > 0) {
            if ((c & 0xC0) == 0x80) {
                continuation--;
                return;
            }
            binary++;
            continuation = 0;
        }
        characters++;
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) letters++;
            else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') spaces++;
            else if (c < 0x20 || c == 0x7F) binary++;
        } else if (c >= 0xC2 && c <= 0xDF) continuation = 1;
        else if (c >= 0xE0 && c <= 0xEF) continuation = 2;
        else if (c >= 0xF0 && c <= 0xF4) continuation = 3;
        else binary++;
    }

    /** Fails for a file that is not text; reports, through {@code log}, a text most of which normalisation drops. */
    void judge(Path file, Consumer<String> log) {
        if (characters == 0) return;
        if (binary * 100 > MAX_BINARY_PERCENT * characters)
            throw new TarflowException(file + " is not text: " + percent(binary) + " of its characters are control"
                    + " characters or malformed UTF-8 (a text file has next to none); a character-level corpus reads"
                    + " text: check the file, or prepare binary data with --level byte");
        long dropped = characters - letters - spaces;
        if (dropped * 100 > REPORT_DROPPED_PERCENT * characters)
            log.accept(file + ": " + percent(dropped) + " of its " + characters + " characters are not the letters"
                    + " a-z or white space and become spaces (text8 normalisation); use --level byte to keep them");
    }

    private String percent(long part) {
        return String.format(Locale.ROOT, "%.0f%%", 100.0 * part / characters);
    }
}
