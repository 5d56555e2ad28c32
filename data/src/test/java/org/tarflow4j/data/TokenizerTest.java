package org.tarflow4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tarflow4j.core.TarflowException;

class TokenizerTest {
    private static int[] document(DocumentEncoder tokenizer, String text) throws IOException {
        List<Integer> ids = new ArrayList<>();
        tokenizer.encodeDocument(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), ids::add);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void text8NormalisesToLowerCaseLettersAndSingleSpaces() {
        Tokenizer t = Tokenizer.named("text8");
        assertEquals(27, t.vocabSize());
        assertTrue(t.characterLevel());
        assertEquals("hello world it s times", t.decode(t.encode("Hello,   World!\nIt's 42 times")));
        assertEquals(
                " caf au lait ",
                t.decode(t.encode("  Café au-lait.")),
                "non-ASCII letters become spaces; one space is kept at each edge");
        assertArrayEquals(new int[] {0, 1, 26}, t.encode(" az"), "space is 0, a-z are 1-26");
    }

    @Test
    void text8DocumentsAreTrimmedAndAgreeWithCharacterNormalisation() throws IOException {
        String text = " ¡Hola, Señor Ünal!  Über 3 déjà-vu's \t";
        int[] doc = document(Text8Tokenizer.INSTANCE, text);
        assertEquals("hola se or nal ber d j vu s", Text8Tokenizer.INSTANCE.decode(doc));
        assertEquals(
                Text8Tokenizer.INSTANCE
                        .decode(Text8Tokenizer.INSTANCE.encode(text))
                        .strip(),
                Text8Tokenizer.INSTANCE.decode(doc),
                "normalising UTF-8 bytes gives the same text as normalising characters");
    }

    @Test
    void bytesRoundTrip() throws IOException {
        Tokenizer t = Tokenizer.named("byte");
        String text = "naïve – 日本語 🙂\n\0end";
        int[] ids = t.encode(text);
        assertEquals(text.getBytes(StandardCharsets.UTF_8).length, ids.length);
        for (int id : ids) assertTrue(id >= 0 && id < 256, "id " + id);
        assertEquals(text, t.decode(ids));
        assertArrayEquals(ids, document(ByteTokenizer.INSTANCE, text), "a byte document is its bytes, untouched");
    }

    @Test
    void gpt2EncodesOrdinarilyAndRoundTrips() {
        Tokenizer t = Tokenizer.named("gpt2");
        assertEquals(50257, t.vocabSize());
        assertFalse(t.characterLevel());
        assertArrayEquals(new int[] {15496, 995}, t.encode("Hello world"), "GPT-2's ids for 'Hello' and ' world'");
        String text = "The Parliament adopted the resolution.\n\nÜber-naïve 日本 <|endoftext|> text";
        assertEquals(text, t.decode(t.encode(text)));
        assertFalse(
                contains(t.encode("a <|endoftext|> b"), Gpt2Tokenizer.END_OF_TEXT),
                "special tokens in text are plain text");
        assertEquals("<|endoftext|>", t.decode(new int[] {Gpt2Tokenizer.END_OF_TEXT}));
    }

    @Test
    void gpt2DocumentsEncodedInPiecesMatchTheWhole() throws IOException {
        StringBuilder text = new StringBuilder();
        String[] breaks = {":\n\n", "  \n", ".\n", ".\n\n Indented ", "\n\n\n", "\n - "};
        for (int i = 0; i < 60; i++)
            text.append("Line ").append(i).append(breaks[i % breaks.length]).append("word's");
        Gpt2Tokenizer whole = Gpt2Tokenizer.instance();
        assertArrayEquals(
                whole.encode(text.toString()),
                document(Gpt2Tokenizer.withChunk(16), text.toString()),
                "cutting after a line break between non-space characters must not change the tokens (cutting inside a run of "
                        + "line breaks would: '.\\n\\n Indented' and '\\n\\n\\nword' encode differently in pieces)");
    }

    @Test
    void unknownTokenizerListsTheKnownOnes() {
        TarflowException e = assertThrows(TarflowException.class, () -> Tokenizer.named("bert"));
        assertEquals("unknown tokenizer \"bert\"; tokenizers are text8, byte, gpt2", e.getMessage());
    }

    private static boolean contains(int[] ids, int id) {
        for (int i : ids) if (i == id) return true;
        return false;
    }
}
