package io.dlog.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The log engine's crash-atomic file writes, for the node's other small files (its identity file, the metadata
 * snapshot's folder): a temp file fsynced, renamed over the target, the folder fsynced, so that after a crash or a
 * power cut the target holds the old content or the new, never a part. Stateless; thread-safe for distinct targets.
 */
public final class DurableFiles {
    private DurableFiles() {
    }

    /** Replaces {@code target} with {@code content}, durably. */
    public static void writeAtomically(Path target, ByteBuffer content) throws IOException {
        io.dlog.log.internal.FileIo.writeAtomically(target, content);
    }

    /** Makes the creates and renames in {@code folder} durable. */
    public static void fsyncFolder(Path folder) throws IOException {
        io.dlog.log.internal.FileIo.fsyncFolder(folder);
    }
}
