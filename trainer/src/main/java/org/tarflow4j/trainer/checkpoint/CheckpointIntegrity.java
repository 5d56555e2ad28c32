package org.tarflow4j.trainer.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.TarflowException;

/**
 * Damage a checkpoint could carry undetected, found on load. libtorch stores a CRC-32 for every record of its zip
 * archive but does not check it when reading (its miniz is built without the check), so a flipped byte in a tensor
 * would load as a different number. Three checks: every record's CRC-32 (the description's before it is used), the
 * SHA-256 of every parameter and buffer recorded when the checkpoint was written (naming the tensor that differs), and
 * that every floating-point parameter is finite (a NaN written by a diverging run, or by hand, is refused).
 */
public final class CheckpointIntegrity {
    static final String ALGORITHM = "SHA-256";
    /** The records that hold tensor payloads; the rest (the pickled description, versions) are small. */
    private static final Predicate<String> PAYLOAD = name -> name.matches(".*/data/\\d+");

    private CheckpointIntegrity() {}

    /** The SHA-256 of every parameter and buffer of {@code model}, by name. */
    static Checkpoint.Integrity of(Module model) {
        Map<String, String> hashes = new TreeMap<>();
        try (PointerScope scope = new PointerScope()) {
            forEachTensor(model, (name, t) -> hashes.put(name, sha256(t)));
        }
        return new Checkpoint.Integrity(ALGORITHM, hashes);
    }

    /** Fails when a small record (the description) of {@code file} does not match its CRC-32. */
    static void checkDescription(Path file) {
        List<String> damaged = damagedRecords(file, PAYLOAD.negate());
        if (!damaged.isEmpty())
            throw new TarflowException("checkpoint " + file + " is damaged: its description ("
                    + String.join(", ", damaged) + ") does not match the CRC-32 stored with it; " + REMEDY);
    }

    /**
     * For a file libtorch could not read: fails naming the records that do not match their CRC-32, when the zip
     * structure is readable and some do; returns otherwise (the caller reports the file as unreadable).
     */
    static void explainUnreadable(Path file) {
        List<String> damaged;
        try {
            damaged = damagedRecords(file);
        } catch (TarflowException unreadable) {
            return;
        }
        List<String> description = damaged.stream().filter(PAYLOAD.negate()).toList();
        if (!description.isEmpty())
            throw new TarflowException("checkpoint " + file + " is damaged: its description ("
                    + String.join(", ", description) + ") does not match the CRC-32 stored with it; " + REMEDY);
        if (!damaged.isEmpty())
            throw new TarflowException("checkpoint " + file + " is damaged: " + names("record", damaged) + " do"
                    + (damaged.size() == 1 ? "es" : "") + " not match the CRC-32 stored with "
                    + (damaged.size() == 1 ? "it" : "them") + "; " + REMEDY);
    }

    /** The records of {@code file} whose bytes do not match the CRC-32 stored with them. */
    static List<String> damagedRecords(Path file) {
        return damagedRecords(file, name -> true);
    }

    private static List<String> damagedRecords(Path file, Predicate<String> which) {
        List<String> damaged = new ArrayList<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            byte[] buffer = new byte[1 << 16];
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (entry.isDirectory() || entry.getCrc() < 0 || !which.test(entry.getName())) continue;
                CRC32 crc = new CRC32();
                try (InputStream in = zip.getInputStream(entry)) {
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) crc.update(buffer, 0, n);
                }
                if (crc.getValue() != entry.getCrc()) damaged.add(entry.getName());
            }
        } catch (ZipException e) {
            throw new TarflowException("checkpoint " + file + " is damaged: its zip structure cannot be read ("
                    + e.getMessage() + "); " + REMEDY);
        } catch (IOException e) {
            throw new TarflowException("cannot read checkpoint " + file + ": " + e.getMessage());
        }
        return damaged;
    }

    /**
     * After the model was loaded from {@code file}: fails, naming the tensor, when a parameter's SHA-256 differs from
     * the one recorded, when a record failed its CRC ({@code damaged}), or when a parameter holds NaN or infinity.
     */
    static void verify(Path file, Module model, Checkpoint.Integrity recorded, List<String> damaged) {
        List<String> differing = new ArrayList<>();
        List<String> nonFinite = new ArrayList<>();
        try (PointerScope scope = new PointerScope()) {
            forEachTensor(model, (name, t) -> {
                if (recorded != null
                        && recorded.tensors() != null
                        && recorded.tensors().containsKey(name)
                        && !recorded.tensors().get(name).equals(sha256(t))) differing.add(name);
                if (t.is_floating_point()) {
                    long bad = t.numel() - t.isfinite().sum().item_long();
                    if (bad > 0) nonFinite.add("'" + name + "' (" + bad + " of " + t.numel() + " values)");
                }
            });
        }
        if (!differing.isEmpty())
            throw new TarflowException("checkpoint " + file + " is damaged: " + names("tensor", differing)
                    + " no longer match" + (differing.size() == 1 ? "es" : "") + " the SHA-256 recorded when it was"
                    + " written" + (damaged.isEmpty() ? "" : " (records failing their CRC-32: " + first(damaged) + ")")
                    + "; " + REMEDY);
        if (!damaged.isEmpty())
            throw new TarflowException("checkpoint " + file + " is damaged: " + names("record", damaged)
                    + " do" + (damaged.size() == 1 ? "es" : "") + " not match the CRC-32 stored with "
                    + (damaged.size() == 1 ? "it" : "them") + "; " + REMEDY);
        if (!nonFinite.isEmpty())
            throw new TarflowException("checkpoint " + file + " holds NaN or infinite parameters: "
                    + String.join(", ", nonFinite.subList(0, Math.min(3, nonFinite.size())))
                    + (nonFinite.size() > 3 ? " and " + (nonFinite.size() - 3) + " more tensors" : "")
                    + "; a model with them computes nothing useful: use an earlier checkpoint, or train again with"
                    + " a lower train.lr");
    }

    static final String REMEDY = "use another checkpoint of the run (best.ckpt, or a copy), or train again";

    private static String names(String kind, List<String> names) {
        return (names.size() == 1 ? "the " + kind + " '" : "the " + kind + "s '") + first(names) + "'";
    }

    private static String first(List<String> names) {
        return String.join("', '", names.subList(0, Math.min(3, names.size())))
                + (names.size() > 3 ? "' and " + (names.size() - 3) + " more" : "");
    }

    private interface TensorVisitor {
        void visit(String name, Tensor t);
    }

    private static void forEachTensor(Module model, TensorVisitor visitor) {
        for (StringTensorDict dict : List.of(model.named_parameters(true), model.named_buffers(true)))
            for (long i = 0; i < dict.size(); i++)
                visitor.visit(dict.get(i).key().getString(), dict.get(i).value());
    }

    /** The SHA-256 of a tensor's bytes in row-major order (copied to the CPU first when it lives elsewhere). */
    private static String sha256(Tensor t) {
        Tensor c = Placement.CPU.put(t).contiguous();
        MessageDigest digest = digest();
        long bytes = c.nbytes();
        BytePointer data = new BytePointer(c.data_ptr()).capacity(bytes);
        for (long at = 0; at < bytes; at += 1 << 30) {
            ByteBuffer b =
                    data.position(at).limit(Math.min(bytes, at + (1 << 30))).asByteBuffer();
            digest.update(b);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance(ALGORITHM);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(ALGORITHM + " is required of every Java platform", e);
        }
    }
}
