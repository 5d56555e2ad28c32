package org.tarflow4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tarflow4j.core.TarflowException;

/**
 * Every token id of a corpus must be in its tokenizer's vocabulary, or the encoder's embedding fails deep in libtorch.
 * Checked when a corpus is opened: a scan of each memory-mapped split the first time, remembered in the manifest
 * ({@code ids_checked}: the vocabulary, the file's size and modification time) so later opens cost nothing until the
 * file changes.
 */
final class TokenIds {
    static final String KEY = "ids_checked";

    private TokenIds() {}

    /** Checks the splits, and returns the manifest with what was checked recorded (written back when possible). */
    static Manifest check(Path dir, Manifest m, Tokenizer tokenizer, Map<String, TokenSplit> splits, String remake) {
        int vocab = tokenizer.vocabSize();
        Map<String, Object> values = new LinkedHashMap<>(m.values());
        Map<String, Object> splitValues = new LinkedHashMap<>(cast(values.get("splits")));
        boolean changed = false;
        for (Map.Entry<String, TokenSplit> e : splits.entrySet()) {
            Path file = dir.resolve(e.getKey() + ".bin");
            Map<String, Object> stamp = stamp(file, vocab);
            Map<String, Object> split = new LinkedHashMap<>(cast(splitValues.get(e.getKey())));
            if (stamp.equals(split.get(KEY))) continue;
            long bad = e.getValue().firstOutside(vocab);
            if (bad >= 0) {
                int id = e.getValue().get(bad);
                throw new TarflowException("corpus " + dir + " is damaged: " + file.getFileName()
                        + " holds the token id "
                        + id + " at token " + bad + " (byte offset " + bad * bytesPerToken(m) + "), outside the "
                        + tokenizer.name() + " tokenizer's " + vocab + " symbols (ids 0 to " + (vocab - 1) + ")"
                        + remake);
            }
            split.put(KEY, stamp);
            splitValues.put(e.getKey(), split);
            changed = true;
        }
        if (!changed) return m;
        values.put("splits", splitValues);
        Manifest checked = new Manifest(dir, values);
        try {
            checked.write();
        } catch (IOException | TarflowException readOnly) {
            // a corpus in a read-only place is checked again next time
        }
        return checked;
    }

    private static Map<String, Object> stamp(Path file, int vocab) {
        Map<String, Object> stamp = new LinkedHashMap<>();
        stamp.put("vocab", (long) vocab);
        try {
            stamp.put("bytes", Files.size(file));
            stamp.put("modified", Files.getLastModifiedTime(file).toMillis());
        } catch (IOException e) {
            throw new TarflowException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return stamp;
    }

    private static long bytesPerToken(Manifest m) {
        TokenWidth w = TokenWidth.ofDtype(m.string("dtype"));
        return w == null ? 1 : w.bytes;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return o instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }
}
