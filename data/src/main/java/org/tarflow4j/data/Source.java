package org.tarflow4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.tarflow4j.core.TarflowException;

/**
 * A file a corpus was prepared from, as the manifest records it.
 *
 * @param location an absolute file path, or a URL / {@code classpath:} name for what is not a local file
 * @param modified last-modified time in milliseconds, -1 when not a local file
 */
record Source(String location, long bytes, String sha256, long modified) {

    static Source ofFile(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        try (InputStream in = Files.newInputStream(absolute)) {
            return ofStream(
                    absolute.toString(), in, Files.getLastModifiedTime(absolute).toMillis());
        }
    }

    /** A source read from a stream: counted and hashed. */
    static Source ofStream(String location, InputStream in, long modified) throws IOException {
        MessageDigest digest = messageDigest("SHA-256");
        byte[] buffer = new byte[1 << 16];
        long bytes = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            digest.update(buffer, 0, n);
            bytes += n;
        }
        return new Source(location, bytes, HexFormat.of().formatHex(digest.digest()), modified);
    }

    static String sha256(InputStream in) throws IOException {
        return digest("SHA-256", in);
    }

    static String digest(String algorithm, InputStream in) throws IOException {
        MessageDigest digest = messageDigest(algorithm);
        byte[] buffer = new byte[1 << 16];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) digest.update(buffer, 0, n);
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest messageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required of every Java platform", e);
        }
    }

    /**
     * How the local file at {@link #location} differs from what was recorded; empty when it is the same, or when it is
     * not a local file or no longer exists (the prepared tokens are then all there is). Size first; the hash only when
     * the size is equal and the modification time is not.
     */
    Optional<String> change() {
        Path file = localFile();
        if (file == null || !Files.isRegularFile(file)) return Optional.empty();
        try {
            long size = Files.size(file);
            if (size != bytes) return Optional.of(location + " changed size (" + bytes + " -> " + size + " bytes)");
            if (Files.getLastModifiedTime(file).toMillis() == modified) return Optional.empty();
            String now;
            try (InputStream in = Files.newInputStream(file)) {
                now = sha256(in);
            }
            return now.equals(sha256)
                    ? Optional.empty()
                    : Optional.of(location + " changed content (SHA-256 " + sha256 + " -> " + now + ")");
        } catch (IOException e) {
            throw new TarflowException(
                    "cannot read " + location + ", a source of a prepared corpus: " + e.getMessage(), e);
        }
    }

    /** The local file, or null for a URL or a class-path resource. */
    Path localFile() {
        if (location.startsWith("classpath:") || location.contains("://")) return null;
        try {
            return Path.of(location);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("location", location);
        json.put("bytes", bytes);
        json.put("sha256", sha256);
        json.put("modified", modified);
        return json;
    }

    static Source fromJson(Map<?, ?> json) {
        return new Source(
                (String) json.get("location"),
                ((Number) json.get("bytes")).longValue(),
                (String) json.get("sha256"),
                ((Number) json.get("modified")).longValue());
    }
}
