package org.tarflow4j.trainer.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.ArchiveWriter;
import org.bytedeco.pytorch.OutputArchive;
import org.tarflow4j.core.AtomicFiles;
import org.tarflow4j.core.DiskSpace;
import org.tarflow4j.core.TarflowException;

/**
 * Writes a libtorch archive to a file through a Java channel. {@code OutputArchive.save_to(path)} lets the C++ zip
 * writer own the file: when the disk fills, its error is thrown again from the writer's destructor and the process
 * ends in {@code std::terminate} (SIGABRT, "terminate called after throwing an instance of 'c10::Error'"). Here libtorch
 * hands every byte to a Java function that always reports success, so libtorch never fails; a failed write is kept and
 * thrown as a Java exception once libtorch is done, with the archive's full size (counted to the end) for the message.
 * The file is written to a temporary beside it, flushed and renamed; a failed write removes the temporary.
 */
final class ArchiveFile {
    private ArchiveFile() {}

    /** Writes {@code archive} to {@code file}; {@code what} names it in messages, e.g. {@code checkpoint}. */
    static void write(OutputArchive archive, Path file, String what) {
        Path tmp = AtomicFiles.temporary(file);
        long bytes = -1;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (FileChannel out = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                Sink sink = new Sink(out);
                try {
                    archive.save_to(sink);
                } finally {
                    sink.close();
                }
                bytes = sink.bytes;
                if (sink.error != null) throw sink.error;
                out.force(true);
            }
            Files.move(
                    tmp,
                    file,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            AtomicFiles.discard(tmp);
            throw new TarflowException(
                    "cannot write " + what + " " + file + ": " + DiskSpace.reason(file, bytes, e)
                            + (DiskSpace.isFull(e) ? "" : " (check the permissions of " + file.getParent() + ")"),
                    e);
        }
    }

    /** libtorch's writer function: takes each chunk, writes it while it can, and counts every byte. */
    private static final class Sink extends ArchiveWriter {
        private static final long CHUNK = 1 << 30;
        private final FileChannel out;
        long bytes;
        IOException error;

        Sink(FileChannel out) {
            this.out = out;
        }

        @Override
        public long call(Pointer data, long size) {
            bytes += size;
            if (error != null) return size;
            try {
                BytePointer all = new BytePointer(data).capacity(size);
                for (long at = 0; at < size; at += CHUNK) {
                    ByteBuffer b =
                            all.position(at).limit(Math.min(size, at + CHUNK)).asByteBuffer();
                    while (b.hasRemaining()) out.write(b);
                }
            } catch (IOException e) {
                error = e;
            } catch (RuntimeException e) {
                error = new IOException(e.toString(), e);
            }
            return size;
        }
    }
}
