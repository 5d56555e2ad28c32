package org.tarflow4j.data;

import java.util.List;
import org.tarflow4j.core.TarflowException;

/** Text to token ids and back. Immutable and thread-safe. */
public interface Tokenizer {
    /** The names {@link #named} knows, in the order they are listed to the user. */
    List<String> NAMES = List.of(Text8Tokenizer.NAME, ByteTokenizer.NAME, Gpt2Tokenizer.NAME);

    /** The stable name persisted in manifests and checkpoints: {@code text8}, {@code byte} or {@code gpt2}. */
    String name();

    int vocabSize();

    int[] encode(String text);

    String decode(int[] ids);

    /** True: report bits per character (or byte); false: perplexity per token. */
    boolean characterLevel();

    static Tokenizer named(String name) {
        return switch (name) {
            case Text8Tokenizer.NAME -> Text8Tokenizer.INSTANCE;
            case ByteTokenizer.NAME -> ByteTokenizer.INSTANCE;
            case Gpt2Tokenizer.NAME -> Gpt2Tokenizer.instance();
            default ->
                throw new TarflowException(
                        "unknown tokenizer \"" + name + "\"; tokenizers are " + String.join(", ", NAMES));
        };
    }
}
