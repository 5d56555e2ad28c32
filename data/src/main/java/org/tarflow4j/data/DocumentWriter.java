package org.tarflow4j.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes the documents of a corpus, in order, as one token file, with the tokenizer's separator between two
 * documents, and remembers where each document starts and ends. Empty documents leave no trace.
 */
final class DocumentWriter implements DocumentEncoder.TokenSink, Closeable {
    private final OutputStream out;
    private final TokenWidth width;
    private final int vocabSize;
    private final int[] separator;
    private final byte[] buffer = new byte[1 << 16];
    private int buffered;
    private long tokens;
    private boolean inDocument;
    private int documents;
    private long[] starts = new long[64];
    private long[] ends = new long[64];

    DocumentWriter(Path file, TokenWidth width, int vocabSize, int[] separator) throws IOException {
        this.out = Files.newOutputStream(file);
        this.width = width;
        this.vocabSize = vocabSize;
        this.separator = separator.clone();
    }

    @Override
    public void accept(int id) throws IOException {
        if (!inDocument) {
            if (documents > 0) for (int s : separator) put(s);
            if (documents == starts.length) {
                starts = Arrays.copyOf(starts, 2 * documents);
                ends = Arrays.copyOf(ends, 2 * documents);
            }
            starts[documents] = tokens;
            inDocument = true;
        }
        put(id);
    }

    private void put(int id) throws IOException {
        if (id < 0 || id >= vocabSize)
            throw new IllegalStateException("token id " + id + " outside the vocabulary of " + vocabSize);
        if (buffered + width.bytes > buffer.length) flush();
        width.put(buffer, buffered, id);
        buffered += width.bytes;
        tokens++;
    }

    void endDocument() {
        if (!inDocument) return;
        ends[documents++] = tokens;
        inDocument = false;
    }

    long tokens() {
        return tokens;
    }

    int documents() {
        return documents;
    }

    long start(int document) {
        return starts[document];
    }

    long end(int document) {
        return ends[document];
    }

    private void flush() throws IOException {
        out.write(buffer, 0, buffered);
        buffered = 0;
    }

    @Override
    public void close() throws IOException {
        endDocument();
        try (out) {
            flush();
        }
    }
}
