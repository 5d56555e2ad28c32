package org.tarflow4j.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.tarflow4j.core.TarflowException;

/**
 * A corpus of the user's files. {@code bpe}: GPT-2 tokens; a text file of any name (.gz decompressed) is one document,
 * each line of a .jsonl (or .jsonl.gz) is one, its {@code text} field; held out by documents. {@code text}: any files,
 * one document each (.gz decompressed), at character level (text8 normalisation) or as raw bytes; split by tokens.
 * Either takes explicit held-out files instead, for corpora that come with standard splits (WikiText's
 * {@code wiki.valid.raw} and {@code wiki.test.raw}, PTB, enwik8 cut as published): then the files given are train,
 * and valid and test are exactly the held-out files, so results compare with published ones.
 */
final class FilesRecipe extends Recipe {
    static final String BPE = "bpe";
    static final String TEXT = "text";

    private final String kind;
    private final DocumentEncoder tokenizer;
    private final List<Path> files;
    private final List<Path> valid;
    private final List<Path> test;
    /** Documents written from the train files, then from the valid files (set by {@link #write}). */
    private int trainDocuments = -1;

    private int validDocuments = -1;

    private FilesRecipe(String kind, DocumentEncoder tokenizer, List<Path> files, List<Path> valid, List<Path> test) {
        if (files.isEmpty()) throw new TarflowException("no files given; name the files of the corpus");
        if (valid.isEmpty() != test.isEmpty())
            throw new TarflowException("held-out files for " + (valid.isEmpty() ? "test" : "valid") + " only; give"
                    + " both --valid FILE and --test FILE (a corpus with standard splits has both), or neither to"
                    + " split the files given");
        this.kind = kind;
        this.tokenizer = tokenizer;
        this.files = absolute(files);
        this.valid = absolute(valid);
        this.test = absolute(test);
    }

    private static List<Path> absolute(List<Path> files) {
        return files.stream()
                .map(f -> {
                    if (f == null)
                        throw new TarflowException("a source of the corpus is not a local file; prepare it again");
                    return f.toAbsolutePath().normalize();
                })
                .toList();
    }

    static FilesRecipe bpe(List<Path> files) {
        return bpe(files, List.of(), List.of());
    }

    /** GPT-2 BPE over {@code files}; {@code valid} and {@code test} are held-out files, or both empty. */
    static FilesRecipe bpe(List<Path> files, List<Path> valid, List<Path> test) {
        return new FilesRecipe(BPE, Gpt2Tokenizer.instance(), files, valid, test);
    }

    static FilesRecipe text(List<Path> files, String level) {
        return text(files, level, List.of(), List.of());
    }

    /** @param level {@code char} (text8 normalisation) or {@code byte} */
    static FilesRecipe text(List<Path> files, String level, List<Path> valid, List<Path> test) {
        return switch (level) {
            case "char" -> new FilesRecipe(TEXT, Text8Tokenizer.INSTANCE, files, valid, test);
            case "byte" -> new FilesRecipe(TEXT, ByteTokenizer.INSTANCE, files, valid, test);
            default -> throw new TarflowException("unknown level \"" + level + "\"; levels are char, byte");
        };
    }

    /** The recipe a manifest of this kind describes; {@code sources} are its files in order, held-out ones last. */
    static FilesRecipe of(Manifest m, List<Path> sources) {
        int v = 0;
        int t = 0;
        if (m.values().get(HELD_OUT) instanceof Map<?, ?> held) {
            v = held.get("valid") instanceof List<?> l ? l.size() : 0;
            t = held.get("test") instanceof List<?> l ? l.size() : 0;
        }
        if (v + t >= sources.size())
            throw new TarflowException("the corpus manifest lists its held-out files wrongly; prepare it again");
        List<Path> train = sources.subList(0, sources.size() - v - t);
        List<Path> valid = sources.subList(train.size(), train.size() + v);
        List<Path> test = sources.subList(train.size() + v, sources.size());
        return m.string("kind").equals(BPE)
                ? bpe(train, valid, test)
                : text(train, m.string("tokenizer").equals(ByteTokenizer.NAME) ? "byte" : "char", valid, test);
    }

    /** The manifest key that lists the held-out files, when there are any. */
    static final String HELD_OUT = "held_out";

    private boolean heldOut() {
        return !valid.isEmpty();
    }

    @Override
    String kind() {
        return kind;
    }

    @Override
    DocumentEncoder tokenizer() {
        return tokenizer;
    }

    @Override
    SplitRule rule() {
        return kind.equals(BPE) ? SplitRule.DOCUMENTS : SplitRule.TOKENS;
    }

    @Override
    String splitRule() {
        if (!heldOut()) return super.splitRule();
        return "held-out files, as published: train is the files given, valid " + names(valid) + ", test "
                + names(test);
    }

    private static String names(List<Path> files) {
        return String.join(" + ", files.stream().map(Path::toString).toList());
    }

    @Override
    boolean byDocuments() {
        return heldOut() || super.byDocuments();
    }

    @Override
    Map<String, Object> manifestExtras() {
        if (!heldOut()) return Map.of();
        Map<String, Object> held = new LinkedHashMap<>();
        held.put("valid", valid.stream().map(Path::toString).toList());
        held.put("test", test.stream().map(Path::toString).toList());
        return Map.of(HELD_OUT, held);
    }

    @Override
    long[] cut(DocumentWriter all) {
        if (!heldOut()) return super.cut(all);
        int docs = all.documents();
        int testStart = trainDocuments + validDocuments;
        String empty = trainDocuments == 0
                ? "the train files"
                : validDocuments == 0
                        ? "the valid files " + names(valid)
                        : testStart == docs ? "the test files " + names(test) : null;
        if (empty != null)
            throw new TarflowException(empty + " hold no text"
                    + (tokenizer instanceof Text8Tokenizer ? " after text8 normalisation (which keeps only a-z)" : "")
                    + "; give files with text");
        return new long[] {
            all.end(trainDocuments - 1),
            all.start(trainDocuments),
            all.end(testStart - 1),
            all.start(testStart),
            all.tokens(),
            trainDocuments,
            validDocuments,
            docs - testStart
        };
    }

    @Override
    String preparation() {
        if (kind.equals(BPE))
            return "GPT-2 BPE (r50k_base), ordinary encoding; a text file (.gz decompressed) is a document, so is the"
                    + " \"text\" of each .jsonl line; <|endoftext|> (50256) between documents";
        if (tokenizer == ByteTokenizer.INSTANCE) return "raw bytes of each file (.gz decompressed), files concatenated";
        return "text8 normalisation of each file (.gz decompressed): a-z and space, every other character a space, "
                + "runs of spaces collapsed; files joined by a space";
    }

    /** Every source in the order written: the train files, then the valid files, then the test files. */
    private List<Path> all() {
        List<Path> all = new ArrayList<>(files);
        all.addAll(valid);
        all.addAll(test);
        return all;
    }

    @Override
    List<String> locations() {
        return all().stream().map(Path::toString).toList();
    }

    @Override
    String command(Path dir) {
        return "tarflow data " + kind + " " + names(files).replace(" + ", " ")
                + (kind.equals(TEXT) ? " --level " + (tokenizer == ByteTokenizer.INSTANCE ? "byte" : "char") : "")
                + valid.stream().map(f -> " --valid " + f).collect(Collectors.joining())
                + test.stream().map(f -> " --test " + f).collect(Collectors.joining())
                + " --out " + dir;
    }

    @Override
    void check() {
        all().forEach(Recipe::checkReadable);
    }

    @Override
    List<Source> write(DocumentWriter out, Path work, Consumer<String> log) throws IOException {
        List<Source> sources = new ArrayList<>();
        List<Path> all = all();
        for (int i = 0; i < all.size(); i++) {
            Path file = all.get(i);
            if (i == files.size()) trainDocuments = out.documents();
            if (i == files.size() + valid.size()) validDocuments = out.documents() - trainDocuments;
            log.accept("reading " + file);
            sources.add(Source.ofFile(file));
            try {
                if (kind.equals(BPE) && isJsonl(file)) {
                    writeJsonl(file, out);
                } else if (tokenizer == Text8Tokenizer.INSTANCE) {
                    try (TextCheck in = new TextCheck(open(file))) {
                        tokenizer.encodeDocument(in, out);
                        in.judge(file, log);
                    }
                    out.endDocument();
                } else {
                    try (InputStream in = open(file)) {
                        tokenizer.encodeDocument(in, out);
                    }
                    out.endDocument();
                }
            } catch (ZipException e) {
                throw new TarflowException(
                        "cannot read " + file + ": not a valid gzip file (" + e.getMessage() + ")", e);
            }
        }
        return sources;
    }

    private void writeJsonl(Path file, DocumentWriter out) throws IOException {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(open(file), StandardCharsets.UTF_8))) {
            int number = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                number++;
                if (line.isBlank()) continue;
                tokenizer.encodeDocument(
                        new ByteArrayInputStream(text(line, file, number).getBytes(StandardCharsets.UTF_8)), out);
                out.endDocument();
            }
        }
    }

    /** The {@code text} field of a JSON line. */
    static String text(String line, Path file, int number) {
        JsonElement json;
        try {
            json = JsonParser.parseString(line);
        } catch (JsonParseException e) {
            throw new TarflowException(file + " line " + number + ": not valid JSON (" + e.getMessage()
                    + "); each line of a .jsonl must be an object with a string \"text\" field");
        }
        if (!json.isJsonObject() || !json.getAsJsonObject().has("text"))
            throw new TarflowException(file + " line " + number
                    + ": no \"text\" field; each line of a .jsonl must be an " + "object with a string \"text\" field");
        JsonElement text = json.getAsJsonObject().get("text");
        if (!text.isJsonPrimitive() || !text.getAsJsonPrimitive().isString())
            throw new TarflowException(file + " line " + number + ": \"text\" is " + text
                    + ", not a string; each line of a " + ".jsonl must be an object with a string \"text\" field");
        return text.getAsString();
    }

    private static boolean isJsonl(Path file) {
        return file.toString().endsWith(".jsonl") || file.toString().endsWith(".jsonl.gz");
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        if (!file.toString().endsWith(".gz")) return in;
        try {
            return new GZIPInputStream(in, 1 << 16);
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }
}
