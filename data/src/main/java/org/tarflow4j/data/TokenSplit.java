package org.tarflow4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.tarflow4j.core.TarflowException;

/**
 * One split of a prepared corpus: a memory-mapped array of token ids, read by offset. The tokens stay in the file
 * (the page cache), never in the Java heap. Immutable and thread-safe.
 */
public final class TokenSplit {
    /** Files are mapped in pieces of 2^30 bytes; every width divides that, so a token never straddles two pieces. */
    private static final int PIECE_BITS = 30;

    private static final long PIECE_MASK = (1L << PIECE_BITS) - 1;

    private final String name;
    private final String corpus;
    private final TokenWidth width;
    private final long size;
    private final ByteBuffer[] pieces;

    private TokenSplit(String name, String corpus, TokenWidth width, long size, ByteBuffer[] pieces) {
        this.name = name;
        this.corpus = corpus;
        this.width = width;
        this.size = size;
        this.pieces = pieces;
    }

    static TokenSplit map(String name, String corpus, Path file, TokenWidth width, long size) throws IOException {
        long bytes = size * width.bytes;
        ByteBuffer[] pieces = new ByteBuffer[(int) ((bytes + PIECE_MASK) >>> PIECE_BITS)];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int i = 0; i < pieces.length; i++) {
                long start = (long) i << PIECE_BITS;
                pieces[i] = channel.map(FileChannel.MapMode.READ_ONLY, start, Math.min(bytes - start, 1L << PIECE_BITS))
                        .order(ByteOrder.LITTLE_ENDIAN);
            }
        }
        return new TokenSplit(name, corpus, width, size, pieces);
    }

    /**
     * The index of the first token whose id is not in {@code [0, vocab)}, or -1 when every id is: read through the
     * mapped file in chunks, about 1 GB/s.
     */
    long firstOutside(int vocab) {
        if (width == TokenWidth.UINT8 && vocab >= 256) return -1;
        byte[] chunk = new byte[1 << 20];
        long index = 0;
        for (ByteBuffer piece : pieces) {
            ByteBuffer b = piece.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            b.position(0);
            while (b.hasRemaining()) {
                int n = Math.min(chunk.length, b.remaining());
                b.get(chunk, 0, n);
                ByteBuffer c = ByteBuffer.wrap(chunk, 0, n).order(ByteOrder.LITTLE_ENDIAN);
                for (int at = 0; at < n; at += width.bytes, index++) {
                    int id = width.get(c, at);
                    if (id < 0 || id >= vocab) return index;
                }
            }
        }
        return -1;
    }

    /** {@code train}, {@code valid} or {@code test}. */
    public String name() {
        return name;
    }

    /** Tokens in the split. */
    public long size() {
        return size;
    }

    public int get(long index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException("token " + index + " of " + size);
        long at = index * width.bytes;
        return width.get(pieces[(int) (at >>> PIECE_BITS)], (int) (at & PIECE_MASK));
    }

    /** Copies {@code count} tokens from {@code offset} into {@code target[at..]}. */
    public void read(long offset, long[] target, int at, int count) {
        if (offset < 0 || count < 0 || offset + count > size)
            throw new IndexOutOfBoundsException("tokens " + offset + ".." + (offset + count) + " of " + size);
        for (int i = 0; i < count; i++) {
            long byteAt = (offset + i) * width.bytes;
            target[at + i] = width.get(pieces[(int) (byteAt >>> PIECE_BITS)], (int) (byteAt & PIECE_MASK));
        }
    }

    /** Copies {@code count} tokens from {@code offset}. */
    public int[] read(long offset, int count) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = get(offset + i);
        return ids;
    }

    /** Fails with a message saying what to change when the split holds fewer tokens than one sequence of {@code length}. */
    void requireSequence(int length) {
        if (size < length)
            throw new TarflowException(describe() + " has " + size + " tokens, fewer than one sequence of " + length
                    + "; use a shorter model.context or a larger corpus");
    }

    /** Where the split comes from, for messages: {@code the train split of corpus DIR}. */
    String describe() {
        return "the " + name + " split of " + corpus;
    }
}
