package org.tarflow4j.trainer.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.InputArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow4j.api.Placement;
import org.tarflow4j.core.TarflowException;
import org.tarflow4j.core.plugin.ComponentKind;
import org.tarflow4j.core.plugin.PluginRegistry;
import org.tarflow4j.trainer.assembly.ModelAssembly;
import org.tarflow4j.trainer.model.TinyModels;
import org.tarflow4j.trainer.train.RunInfo;

/** A checkpoint's description is read from its meta record alone; the model's tensors are left alone. */
class CheckpointMetaTest {
    @TempDir
    Path dir;

    private static Checkpoint.Meta meta(String config) {
        return new Checkpoint.Meta(
                new Checkpoint.Progress(42, 2, 30, 1.5, 1, 12.5),
                new Checkpoint.Provenance(
                        config,
                        List.of(new ModelAssembly.ComponentUse(ComponentKind.COUPLING, "mog", "1.1.0", "flow[1]")),
                        "text8",
                        27,
                        7,
                        "2026-01-01T00:00:00Z",
                        Map.of(
                                "kind",
                                "europarl",
                                "documents",
                                1234L,
                                "splits",
                                Map.of("test", Map.of("tokens", 9L)))));
    }

    private Path save(String name, Checkpoint.Meta meta) {
        Path file = dir.resolve(name);
        try (PointerScope scope = new PointerScope()) {
            Checkpoint.save(file, TinyModels.build(TinyModels.STACK, 27).model().module(), null, meta);
        }
        return file;
    }

    @Test
    void theMetaRecordIsWhatLibtorchReadsAndRoundTrips() {
        Checkpoint.Meta written = meta("[model]\nlatent = 3\n# ünïcode and \"quotes\"\n" + "x".repeat(70_000));
        Path file = save("a.ckpt", written);
        Optional<String> fast = MetaRecord.read(file);
        assertTrue(fast.isPresent(), "the meta record is found in the archive");
        try (PointerScope scope = new PointerScope()) {
            InputArchive archive = new InputArchive();
            archive.load_from(file.toString());
            IValue v = new IValue();
            assertTrue(archive.try_read("meta", v));
            assertEquals(v.toStringRef().getString(), fast.get(), "the same text libtorch reads");
        }
        Checkpoint.Meta read = Checkpoint.meta(file);
        assertEquals(written.progress(), read.progress());
        assertEquals(written.provenance(), read.provenance());
        assertTrue(
                read.integrity() != null && !read.integrity().tensors().isEmpty(),
                "the writer adds the tensors' hashes");
    }

    /** With a tensor record gone, libtorch cannot open the archive; the description still reads. */
    @Test
    void theDescriptionDoesNotNeedTheTensors() throws IOException {
        Path file = save("b.ckpt", meta("[model]\n"));
        Path stripped = dir.resolve("stripped.ckpt");
        try (ZipFile zip = new ZipFile(file.toFile());
                OutputStream raw = Files.newOutputStream(stripped);
                ZipOutputStream out = new ZipOutputStream(raw)) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                if (entry.getName().endsWith("/data/0")) continue;
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream in = zip.getInputStream(entry)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        assertEquals(42, Checkpoint.meta(stripped).progress().step());
        assertThrows(TarflowException.class, () -> {
            try (PointerScope scope = new PointerScope()) {
                Checkpoint.restore(
                        stripped, TinyModels.build(TinyModels.STACK, 27).model().module(), null, Placement.CPU);
            }
        });
    }

    @Test
    void aMemoizedKeyIsSkippedAndAMissingValueIsNoValue() {
        byte[] json = "{\"format\": 1}".getBytes(StandardCharsets.UTF_8);
        byte[] pickle = concat(
                new byte[] {'X', 4, 0, 0, 0, 'm', 'o', 'd', 'e'},
                new byte[] {'X', 4, 0, 0, 0, 'm', 'e', 't', 'a', 'q', 7, 'X', (byte) json.length, 0, 0, 0},
                json);
        assertEquals(Optional.of("{\"format\": 1}"), MetaRecord.stringAfterKey(pickle));
        assertEquals(Optional.empty(), MetaRecord.stringAfterKey(new byte[] {'X', 4, 0, 0, 0, 'm', 'e', 't', 'a'}));
        assertEquals(Optional.empty(), MetaRecord.read(dir.resolve("absent.ckpt")));
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** A checkpoint that needs a component this host lacks: info says which, and why, without loading anything. */
    @Test
    void infoNamesTheComponentsThisHostLacks() {
        Checkpoint.Meta written = new Checkpoint.Meta(
                new Checkpoint.Progress(3, 0, 0, Double.POSITIVE_INFINITY, 0, 1),
                new Checkpoint.Provenance(
                        "[model]\n",
                        List.of(
                                new ModelAssembly.ComponentUse(ComponentKind.COUPLING, "ghost", "1.0.0", "flow[0]"),
                                new ModelAssembly.ComponentUse(ComponentKind.COUPLING, "mog", "3.0.0", "flow[1]"),
                                new ModelAssembly.ComponentUse(ComponentKind.MIXER, "identity", "1.0.0", "flow[1]")),
                        "text8",
                        27,
                        0,
                        "2026-01-01T00:00:00Z",
                        null));
        Path file = save("ghost.ckpt", written);
        RunInfo info = RunInfo.read(file, PluginRegistry.host());
        assertTrue(!info.loadable());
        List<String> problems = info.components().stream()
                .map(a -> a.usable() ? "ok" : a.problem())
                .toList();
        assertTrue(problems.get(0).startsWith("no coupling named 'ghost'; available: "), problems.toString());
        assertTrue(
                problems.get(1).startsWith("2.0.0 is installed (built-in), which is not compatible"),
                problems.toString());
        assertEquals("ok", problems.get(2));
        assertEquals(null, info.data(), "not recorded in this checkpoint, and no result.json next to it");
        assertEquals(null, info.lastTrain());
        assertEquals(3L, info.toJson().get("step"));
    }
}
