package io.dlog.log.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A replicated partition's high watermark on disk ({@code high-watermark-checkpoint} in its folder; Kafka
 * keeps the same value in a per-folder {@code replication-offset-checkpoint}). Text: a version line ("0")
 * and the offset. Written crash-atomically ({@link Checkpoints}) on a timer and at close, so it lags the
 * high watermark in force; on open the high watermark is the smaller of it and the recovered log end.
 * The file's presence is also what keeps a partition in replicated mode across restarts.
 *
 * <p>One file per partition (not per folder) so the file lives and dies with the partition's folder, and
 * a partition's mode changes touch only its own file; the cost is one small atomic write per partition
 * whose high watermark moved in the interval.
 *
 * <p>Stateless; callers serialize writes to one partition's file.
 */
final class HighWatermarkCheckpoint {
    static final String FILE = "high-watermark-checkpoint";
    /** Kafka's replica.high.watermark.checkpoint.interval.ms default. */
    static final long INTERVAL_MS = 5_000;
    /** Read from a file that exists but cannot be parsed: replicated, with nothing known committed. */
    static final long UNREADABLE = -2;
    static final long ABSENT = -1;

    private HighWatermarkCheckpoint() {
    }

    /** The checkpointed offset, {@link #ABSENT} without a file, {@link #UNREADABLE} for a damaged one. */
    static long read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return ABSENT;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || !"0".equals(lines.get(0).trim())) {
                return UNREADABLE;
            }
            long offset = Long.parseLong(lines.get(1).trim());
            return offset >= 0 ? offset : UNREADABLE;
        } catch (NumberFormatException e) {
            return UNREADABLE;
        }
    }

    static void write(Path dir, long highWatermark) throws IOException {
        Checkpoints.writeAtomically(dir.resolve(FILE), "0\n" + highWatermark + "\n");
    }

    static void delete(Path dir) throws IOException {
        if (FileIo.deleteIfExists(dir.resolve(FILE))) {
            Checkpoints.fsyncDir(dir);
        }
    }
}
