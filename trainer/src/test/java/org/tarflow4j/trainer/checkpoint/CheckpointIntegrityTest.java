package org.tarflow4j.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.ZipFile;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.StringTensorDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.trainer.model.TinyModels;

/**
 * Issue 14, cases 4 and 7: checkpoints are written through Java (a failed write is a Java exception, the previous file
 * intact, no temporary left) and checked when read: record CRCs, per-tensor SHA-256, finite parameters.
 */
class CheckpointIntegrityTest {
    @TempDir
    Path dir;

    private static Module model(long seed) {
        return TinyModels.build(TinyModels.STACK, 27, "train.seed=" + seed)
                .model()
                .module();
    }

    private static Checkpoint.Meta meta(long step) {
        return new Checkpoint.Meta(
                new Checkpoint.Progress(step, 0, 0, 0, 0, 0),
                new Checkpoint.Provenance(TinyModels.STACK, List.of(), "text8", 27, 0, "2026-01-01T00:00:00Z", null));
    }

    private static String error(Runnable r) {
        return assertThrows(TarflowException.class, r::run).getMessage();
    }

    private static List<String> names(Module m) {
        List<String> out = new ArrayList<>();
        StringTensorDict d = m.named_parameters(true);
        for (long i = 0; i < d.size(); i++) out.add(d.get(i).key().getString());
        return out;
    }

    @Test
    void aCheckpointRoundTripsAndRecordsAHashPerTensor() {
        Path file = dir.resolve("a.ckpt");
        Module written = model(1);
        Checkpoint.save(file, written, null, meta(3));
        Checkpoint.Meta meta = Checkpoint.meta(file);
        assertEquals("SHA-256", meta.integrity().algorithm());
        assertTrue(
                meta.integrity().tensors().keySet().containsAll(names(written)),
                meta.integrity().tensors().keySet().toString());
        Module read = model(2);
        Checkpoint.restore(file, read, null, Placement.CPU);
        assertEquals(
                CheckpointIntegrity.of(written).tensors(),
                CheckpointIntegrity.of(read).tensors(),
                "the same bytes");
    }

    /** Case 7: one flipped bit in a tensor's bytes: the tensor is named, nothing is loaded silently. */
    @Test
    void aFlippedByteInATensorNamesTheTensor() throws Exception {
        Path file = dir.resolve("flipped.ckpt");
        Module written = model(1);
        Checkpoint.save(file, written, null, meta(3));
        String record = largestPayload(file);
        flip(file, record, 17);
        String m = error(() -> Checkpoint.restore(file, model(2), null, Placement.CPU));
        assertTrue(
                m.matches("checkpoint " + java.util.regex.Pattern.quote(file.toString())
                        + " is damaged: the tensor '[A-Za-z0-9_.]+' no longer matches the SHA-256 recorded when it was"
                        + " written \\(records failing their CRC-32: " + java.util.regex.Pattern.quote(record)
                        + "\\); use another checkpoint of the run \\(best.ckpt, or a copy\\), or train again"),
                m);
        String tensor = m.replaceAll(".*the tensor '([^']+)'.*", "$1");
        assertTrue(names(written).contains(tensor), tensor + " is a parameter of the model");
    }

    /** Case 7: a description whose bytes changed is refused before any of it is used. */
    @Test
    void aDamagedDescriptionIsRefusedBeforeUse() throws Exception {
        Path file = dir.resolve("described.ckpt");
        Checkpoint.save(file, model(1), null, meta(3));
        String pickle;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            pickle = Collections.list(zip.entries()).stream()
                    .map(e -> e.getName())
                    .filter(n -> n.endsWith("/data.pkl"))
                    .findFirst()
                    .orElseThrow();
        }
        flip(file, pickle, 40);
        assertEquals(
                "checkpoint " + file + " is damaged: its description (" + pickle + ") does not match the CRC-32"
                        + " stored with it; use another checkpoint of the run (best.ckpt, or a copy), or train again",
                error(() -> Checkpoint.meta(file)));
    }

    /** Case 7: a NaN written into a parameter (with its hash recorded, so only the value is wrong) is refused by name. */
    @Test
    void aNonFiniteParameterIsRefusedByName() {
        Path file = dir.resolve("nan.ckpt");
        Module written = model(1);
        String name = names(written).get(names(written).size() - 1);
        try (NoGradGuard g = new NoGradGuard()) {
            StringTensorDict d = written.named_parameters(true);
            var t = d.get(name);
            t.select(0, 0).fill_(new Scalar(Double.NaN));
        }
        Checkpoint.save(file, written, null, meta(3));
        String m = error(() -> Checkpoint.restore(file, model(2), null, Placement.CPU));
        assertTrue(m.startsWith("checkpoint " + file + " holds NaN or infinite parameters: '" + name + "' ("), m);
        assertTrue(
                m.endsWith("; a model with them computes nothing useful: use an earlier checkpoint, or train again"
                        + " with a lower train.lr"),
                m);
    }

    /**
     * Case 4: libtorch writes through a Java function (its own file writer aborted the process on a full disk); many
     * checkpoints in a row each release their callback, and leave no temporary.
     */
    @Test
    void manyCheckpointsInARowAreWrittenThroughJava() throws Exception {
        Path file = dir.resolve("last.ckpt");
        Module m = model(1);
        for (int i = 0; i < 40; i++) Checkpoint.save(file, m, null, meta(i));
        assertEquals(39, Checkpoint.meta(file).progress().step());
        try (var s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "no temporary left");
        }
    }

    /** Case 4: a write that fails leaves the previous checkpoint as it was, says why, and removes its temporary. */
    @Test
    void aFailedWriteKeepsThePreviousCheckpoint() throws Exception {
        Path file = dir.resolve("last.ckpt");
        Module m = model(1);
        Checkpoint.save(file, m, null, meta(1));
        byte[] before = Files.readAllBytes(file);
        Path tmp = dir.resolve("last.ckpt.tmp");
        Files.createDirectory(tmp);
        String e = error(() -> Checkpoint.save(file, m, null, meta(2)));
        assertTrue(e.startsWith("cannot write checkpoint " + file + ": "), e);
        assertTrue(e.endsWith(" (check the permissions of " + dir + ")"), e);
        assertArrayEquals(before, Files.readAllBytes(file));
        assertFalse(Files.exists(tmp), "the temporary is removed");
    }

    /** The payload record with the most bytes: surely a weight matrix. */
    private static String largestPayload(Path file) throws Exception {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return Collections.list(zip.entries()).stream()
                    .filter(e -> e.getName().matches(".*/data/\\d+"))
                    .max(java.util.Comparator.comparingLong(e -> e.getSize()))
                    .orElseThrow()
                    .getName();
        }
    }

    /** Flips one bit of byte {@code at} of a record's data, found through its local zip header. */
    private static void flip(Path file, String record, int at) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        byte[] name = record.getBytes(StandardCharsets.UTF_8);
        for (int i = 30; i + name.length <= bytes.length; i++) {
            if (bytes[i - 30] != 'P' || bytes[i - 29] != 'K' || bytes[i - 28] != 3 || bytes[i - 27] != 4) continue;
            ByteBuffer h = ByteBuffer.wrap(bytes, i - 30, 30).order(ByteOrder.LITTLE_ENDIAN);
            int nameLength = h.getShort(i - 30 + 26) & 0xFFFF;
            int extraLength = h.getShort(i - 30 + 28) & 0xFFFF;
            if (nameLength != name.length) continue;
            if (!new String(bytes, i, nameLength, StandardCharsets.UTF_8).equals(record)) continue;
            bytes[i + nameLength + extraLength + at] ^= 0x10;
            Files.write(file, bytes);
            return;
        }
        throw new AssertionError("no local header for " + record);
    }
}
