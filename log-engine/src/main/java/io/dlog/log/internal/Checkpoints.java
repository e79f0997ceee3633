package io.dlog.log.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Crash-atomic small files: write a temp file, fsync it, rename over the target, fsync the folder. After
 * a crash the target holds either the old or the new content, never a mix.
 *
 * <p>Stateless; thread-safe for distinct targets.
 */
final class Checkpoints {
    private Checkpoints() {
    }

    static void writeAtomically(Path target, ByteBuffer content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileIo.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (content.hasRemaining()) {
                ch.write(content);
            }
            io.dlog.log.BlockingCallGuard.check("fsync of a checkpoint");
            ch.force(true);
        }
        try {
            FileIo.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            FileIo.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        fsyncDir(target.getParent());
    }

    static void writeAtomically(Path target, String content) throws IOException {
        writeAtomically(target, ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
    }

    /** Makes a rename or create durable; ignored where the platform cannot open folders. */
    static void fsyncDir(Path dir) throws IOException {
        io.dlog.log.BlockingCallGuard.check("fsync of a checkpoint");
        FileIo.fsyncDir(dir);
    }
}
