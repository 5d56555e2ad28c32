package org.tarflow4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.tarflow4j.core.TarflowException;

/**
 * text8 (Mahoney): the first 10^8 characters of a cleaned English Wikipedia dump, only a-z and space, split the
 * standard way, 90M / 5M / 5M characters. Taken from text8.zip (downloaded, or a local copy) or the unzipped text8.
 */
final class Text8Recipe extends Recipe {
    static final String NAME = "text8";
    static final String URL = "http://mattmahoney.net/dc/text8.zip";

    /**
     * What a genuine copy is. No SHA-256 of text8.zip is published; the SHA-1 values are the ones GluonNLP's Text8
     * data set pins, checked together with the published sizes (and the 27-symbol alphabet of the text).
     */
    record Reference(long zipBytes, String zipSha1, long textBytes, String textSha1) {}

    static final Reference OFFICIAL = new Reference(
            31_344_016L,
            "6c70299b93b7e1f927b42cd8f6ac1a31547c7a2e",
            100_000_000L,
            "0dc3edebc970dcc96137e7deda4d9995af9d93de");

    private final Path from;
    private final Reference reference;

    /** @param from a local text8.zip or text8, or null to download */
    Text8Recipe(Path from, Reference reference) {
        this.from = from == null ? null : from.toAbsolutePath().normalize();
        this.reference = reference;
    }

    @Override
    String kind() {
        return NAME;
    }

    @Override
    DocumentEncoder tokenizer() {
        return Text8Tokenizer.INSTANCE;
    }

    @Override
    SplitRule rule() {
        return SplitRule.TOKENS;
    }

    @Override
    String preparation() {
        return "text8 as published (text8.zip from " + URL + "), checked by size and SHA-1, mapped symbol for symbol";
    }

    @Override
    List<String> locations() {
        return List.of(from == null ? URL : from.toString());
    }

    @Override
    String command(Path dir) {
        return "tarflow data text8" + (from == null ? "" : " --from " + from) + " --out " + dir;
    }

    @Override
    void check() {
        if (from != null) checkReadable(from);
    }

    @Override
    List<Source> write(DocumentWriter out, Path work, Consumer<String> log) throws IOException {
        Path file = from == null ? download(work, log) : from;
        Source source;
        if (isZip(file)) {
            log.accept("checking and reading " + file);
            source = checkZip(file);
            try (ZipFile zip = new ZipFile(file.toFile())) {
                ZipEntry entry = zip.getEntry("text8");
                if (entry == null)
                    throw new TarflowException(file + " has no entry \"text8\"; give text8.zip from " + URL);
                try (InputStream in = zip.getInputStream(entry)) {
                    encode(in, out, file + "!text8");
                }
            }
        } else {
            log.accept("reading " + file);
            try (InputStream in = Files.newInputStream(file)) {
                source = new Source(
                        file.toString(),
                        Files.size(file),
                        encode(in, out, file.toString()),
                        Files.getLastModifiedTime(file).toMillis());
            }
        }
        out.endDocument();
        return List.of(from == null ? new Source(URL, source.bytes(), source.sha256(), -1) : source);
    }

    private Path download(Path work, Consumer<String> log) {
        Path zip = work.resolve("text8.zip");
        log.accept("downloading " + URL + " (31 MB)");
        try {
            URLConnection connection = URI.create(URL).toURL().openConnection();
            connection.setConnectTimeout(30_000);
            connection.setReadTimeout(60_000);
            try (InputStream in = connection.getInputStream()) {
                Files.copy(in, zip);
            }
        } catch (IOException e) {
            throw new TarflowException(
                    "cannot download " + URL + ": " + e + "; fetch text8.zip another way and run "
                            + "`tarflow data text8 --from text8.zip`",
                    e);
        }
        return zip;
    }

    private static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        }
    }

    /** Checks size and SHA-1 of a text8.zip; returns it as a source. */
    private Source checkZip(Path file) throws IOException {
        MessageDigest sha1 = Source.messageDigest("SHA-1");
        MessageDigest sha256 = Source.messageDigest("SHA-256");
        long bytes = 0;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                sha1.update(buffer, 0, n);
                sha256.update(buffer, 0, n);
                bytes += n;
            }
        }
        String sha1Hex = HexFormat.of().formatHex(sha1.digest());
        if (bytes != reference.zipBytes() || !sha1Hex.equals(reference.zipSha1()))
            throw new TarflowException("checksum mismatch: " + file + " has " + bytes + " bytes and SHA-1 " + sha1Hex
                    + ", but text8.zip has " + reference.zipBytes() + " bytes and SHA-1 " + reference.zipSha1()
                    + "; the copy is damaged or another file: download it again from " + URL);
        return new Source(
                file.toString(),
                bytes,
                HexFormat.of().formatHex(sha256.digest()),
                Files.getLastModifiedTime(file).toMillis());
    }

    /** Maps text8 symbol for symbol, checking alphabet, size and SHA-1; returns the text's SHA-256. */
    private String encode(InputStream in, DocumentWriter out, String where) throws IOException {
        MessageDigest sha1 = Source.messageDigest("SHA-1");
        MessageDigest sha256 = Source.messageDigest("SHA-256");
        byte[] buffer = new byte[1 << 16];
        long offset = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            for (int i = 0; i < n; i++) {
                int id = Text8Tokenizer.strictSymbol(buffer[i]);
                if (id < 0)
                    throw new TarflowException(
                            where + " is not text8: byte 0x" + HexFormat.of().toHexDigits(buffer[i])
                                    + " at offset " + (offset + i)
                                    + ", but text8 has only a-z and space; give text8.zip from " + URL
                                    + " or the text8 file inside it (for other text use `tarflow data text`)");
                out.accept(id);
            }
            sha1.update(buffer, 0, n);
            sha256.update(buffer, 0, n);
            offset += n;
        }
        String sha1Hex = HexFormat.of().formatHex(sha1.digest());
        if (offset != reference.textBytes() || !sha1Hex.equals(reference.textSha1()))
            throw new TarflowException(
                    "checksum mismatch: " + where + " has " + offset + " characters and SHA-1 " + sha1Hex
                            + ", but text8 has " + reference.textBytes() + " and SHA-1 " + reference.textSha1()
                            + "; the copy is damaged or another file: use text8.zip from " + URL);
        return HexFormat.of().formatHex(sha256.digest());
    }
}
