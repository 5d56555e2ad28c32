package org.tarflow4j.data;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-pair encoding (JTokkit's r50k_base), 50,257 tokens. Text is encoded ordinarily: special tokens in the
 * text are plain text. Documents of a corpus are separated by {@code <|endoftext|>} (id 50256).
 */
final class Gpt2Tokenizer implements DocumentEncoder {
    static final String NAME = "gpt2";
    static final int END_OF_TEXT = 50256;
    /** Characters a long document is read in before it is cut and encoded. */
    static final int CHUNK = 1 << 20;

    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    private final int chunk;

    private Gpt2Tokenizer(int chunk) {
        this.chunk = chunk;
    }

    private static final class Holder {
        static final Gpt2Tokenizer INSTANCE = new Gpt2Tokenizer(CHUNK);
    }

    static Gpt2Tokenizer instance() {
        return Holder.INSTANCE;
    }

    /** A tokenizer that cuts documents into pieces of about {@code chunk} characters (tests use small pieces). */
    static Gpt2Tokenizer withChunk(int chunk) {
        return new Gpt2Tokenizer(chunk);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int vocabSize() {
        return END_OF_TEXT + 1;
    }

    @Override
    public boolean characterLevel() {
        return false;
    }

    @Override
    public int[] encode(String text) {
        return encoding.encodeOrdinary(text).toArray();
    }

    @Override
    public String decode(int[] ids) {
        IntArrayList list = new IntArrayList(ids.length);
        for (int id : ids) {
            if (id < 0 || id > END_OF_TEXT)
                throw new IllegalArgumentException("gpt2 id " + id + " is outside 0.." + END_OF_TEXT);
            list.add(id);
        }
        return encoding.decode(list);
    }

    /**
     * Encodes a document piece by piece so that a large file never sits in memory whole. Pieces end after a line
     * break that lies between two non-space characters: the pre-tokenizer ends a token at such a break in the
     * whole text too, so the pieces encode to exactly the tokens of the whole.
     */
    @Override
    public void encodeDocument(InputStream utf8, TokenSink out) throws IOException {
        Reader reader = new InputStreamReader(utf8, StandardCharsets.UTF_8);
        StringBuilder text = new StringBuilder();
        char[] buffer = new char[Math.min(chunk, 1 << 16)];
        int searched = 0;
        for (int n = reader.read(buffer); n >= 0; n = reader.read(buffer)) {
            text.append(buffer, 0, n);
            if (text.length() < chunk) continue;
            int cut = lastCut(text, searched);
            if (cut > 0) {
                emit(text.substring(0, cut), out);
                text.delete(0, cut);
            }
            searched = text.length();
        }
        emit(text.toString(), out);
    }

    private void emit(String text, TokenSink out) throws IOException {
        IntArrayList ids = encoding.encodeOrdinary(text);
        for (int i = 0; i < ids.size(); i++) out.accept(ids.get(i));
    }

    /**
     * The last position p at or after {@code from} with text[p-1] a line break, text[p-2] a letter, digit or
     * punctuation and text[p] a letter or digit; 0 if none.
     */
    static int lastCut(CharSequence text, int from) {
        for (int p = text.length() - 1; p >= Math.max(2, from); p--) {
            if (text.charAt(p - 1) == '\n' && Character.isLetterOrDigit(text.charAt(p)) && solid(text.charAt(p - 2)))
                return p;
        }
        return 0;
    }

    private static boolean solid(char c) {
        return Character.isLetterOrDigit(c) || (c > ' ' && c < 127);
    }

    @Override
    public int[] separator() {
        return new int[] {END_OF_TEXT};
    }
}
