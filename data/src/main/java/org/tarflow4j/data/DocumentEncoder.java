package org.tarflow4j.data;

import java.io.IOException;
import java.io.InputStream;

/** How a tokenizer turns one document of a corpus, streamed as UTF-8 bytes, into tokens. */
interface DocumentEncoder extends Tokenizer {
    void encodeDocument(InputStream utf8, TokenSink out) throws IOException;

    /** The tokens written between two documents of the same split. */
    int[] separator();

    /** Receives tokens as they are made. */
    interface TokenSink {
        void accept(int id) throws IOException;
    }
}
