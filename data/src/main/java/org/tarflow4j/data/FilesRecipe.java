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
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.tarflow4j.core.TarflowException;

/**
 * A corpus of the user's files. {@code bpe}: GPT-2 tokens; a .txt or .txt.gz file is one document, each line of a
 * .jsonl (or .jsonl.gz) is one, its {@code text} field; held out by documents. {@code text}: any files, one document
 * each (.gz decompressed), at character level (text8 normalisation) or as raw bytes; split by tokens.
 */
final class FilesRecipe extends Recipe {
    static final String BPE = "bpe";
    static final String TEXT = "text";

    private final String kind;
    private final DocumentEncoder tokenizer;
    private final List<Path> files;

    private FilesRecipe(String kind, DocumentEncoder tokenizer, List<Path> files) {
        if (files.isEmpty()) throw new TarflowException("no files given; name the files of the corpus");
        this.kind = kind;
        this.tokenizer = tokenizer;
        this.files = files.stream()
                .map(f -> {
                    if (f == null)
                        throw new TarflowException("a source of the corpus is not a local file; prepare it again");
                    return f.toAbsolutePath().normalize();
                })
                .toList();
    }

    static FilesRecipe bpe(List<Path> files) {
        for (Path f : files) {
            if (f != null
                    && !isJsonl(f)
                    && !f.toString().endsWith(".txt")
                    && !f.toString().endsWith(".txt.gz"))
                throw new TarflowException(
                        "cannot use " + f + " for BPE: give .txt or .txt.gz files (one document each) or "
                                + ".jsonl files (one document per line, in a \"text\" field)");
        }
        return new FilesRecipe(BPE, Gpt2Tokenizer.instance(), files);
    }

    /** @param level {@code char} (text8 normalisation) or {@code byte} */
    static FilesRecipe text(List<Path> files, String level) {
        return switch (level) {
            case "char" -> new FilesRecipe(TEXT, Text8Tokenizer.INSTANCE, files);
            case "byte" -> new FilesRecipe(TEXT, ByteTokenizer.INSTANCE, files);
            default -> throw new TarflowException("unknown level \"" + level + "\"; levels are char, byte");
        };
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
    String preparation() {
        if (kind.equals(BPE))
            return "GPT-2 BPE (r50k_base), ordinary encoding; a .txt/.txt.gz file is a document, so is the \"text\" of each "
                    + ".jsonl line; <|endoftext|> (50256) between documents";
        if (tokenizer == ByteTokenizer.INSTANCE) return "raw bytes of each file (.gz decompressed), files concatenated";
        return "text8 normalisation of each file (.gz decompressed): a-z and space, every other character a space, "
                + "runs of spaces collapsed; files joined by a space";
    }

    @Override
    List<String> locations() {
        return files.stream().map(Path::toString).toList();
    }

    @Override
    String command(Path dir) {
        return "tarflow data " + kind + " " + String.join(" ", locations())
                + (kind.equals(TEXT) ? " --level " + (tokenizer == ByteTokenizer.INSTANCE ? "byte" : "char") : "")
                + " --out " + dir;
    }

    @Override
    void check() {
        files.forEach(Recipe::checkReadable);
    }

    @Override
    List<Source> write(DocumentWriter out, Path work, Consumer<String> log) throws IOException {
        List<Source> sources = new ArrayList<>();
        for (Path file : files) {
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
