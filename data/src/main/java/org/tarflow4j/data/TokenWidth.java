package org.tarflow4j.data;

import java.nio.ByteBuffer;

/** How a token id is stored on disk: the narrowest little-endian type that holds the vocabulary. */
enum TokenWidth {
    UINT8("uint8", 1),
    UINT16("uint16", 2),
    INT32("int32", 4);

    final String dtype;
    final int bytes;

    TokenWidth(String dtype, int bytes) {
        this.dtype = dtype;
        this.bytes = bytes;
    }

    static TokenWidth forVocab(int vocabSize) {
        if (vocabSize <= 1 << 8) return UINT8;
        return vocabSize <= 1 << 16 ? UINT16 : INT32;
    }

    static TokenWidth ofDtype(String dtype) {
        for (TokenWidth w : values()) if (w.dtype.equals(dtype)) return w;
        return null;
    }

    /** The id at a byte offset of a little-endian buffer. */
    int get(ByteBuffer buffer, int offset) {
        return switch (this) {
            case UINT8 -> buffer.get(offset) & 0xFF;
            case UINT16 -> buffer.getShort(offset) & 0xFFFF;
            case INT32 -> buffer.getInt(offset);
        };
    }

    /** Writes an id little-endian at a byte offset of an array. */
    void put(byte[] target, int offset, int id) {
        for (int i = 0; i < bytes; i++) target[offset + i] = (byte) (id >>> (8 * i));
    }
}
