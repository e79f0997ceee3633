package io.dlog.log.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Sparse offset index of one segment: (offset relative to the segment's base, file position) of a batch
 * every {@code index.interval.bytes}. Entries are keyed by the batch's <em>base</em> offset, so a lookup
 * returns the position of a batch starting at or before the target; the reader scans headers from there.
 *
 * <p>Kept in memory while the segment lives (8 bytes per entry) and written to {@code .index} (Kafka's
 * layout: int32 relative offset, int32 position) when the segment rolls or the log closes. A file that
 * fails {@link #load}'s sanity check is rebuilt from the segment.
 *
 * <p>Thread-safety: one writer appends, any number of readers look up without locks. The writer stores
 * the entry before publishing the new count through a volatile write; a grown array is published
 * (volatile) before the count that needs it, so a reader that reads count first sees enough entries.
 */
final class OffsetIndex {
    static final int ENTRY_SIZE = 8;

    private volatile long[] entries = new long[16];
    private volatile int count;

    int entries() {
        return count;
    }

    int sizeInBytes() {
        return count * ENTRY_SIZE;
    }

    /** Appends; relative offsets must strictly increase. Writer thread only. */
    void append(int relativeOffset, int position) {
        int n = count;
        long[] arr = entries;
        if (n == arr.length) {
            arr = Arrays.copyOf(arr, n * 2);
            entries = arr;
        }
        arr[n] = ((long) relativeOffset << 32) | (position & 0xFFFFFFFFL);
        count = n + 1;
    }

    /** Position of the last indexed batch whose base offset is &lt;= relativeOffset, or 0. */
    int lookup(int relativeOffset) {
        int n = count; // count before array: see the class comment
        long[] arr = entries;
        int found = lastAtOrBelow(arr, n, relativeOffset, true);
        return found < 0 ? 0 : position(arr[found]);
    }

    void writeTo(Path file) throws IOException {
        int n = count;
        long[] arr = entries;
        ByteBuffer buf = ByteBuffer.allocate(n * ENTRY_SIZE);
        for (int i = 0; i < n; i++) {
            buf.putLong(arr[i]);
        }
        Checkpoints.writeAtomically(file, buf.flip());
    }

    /**
     * Loads an index file, or returns null when it is missing or fails the sanity check (entries must
     * increase and point inside the segment), in which case the caller rebuilds it.
     */
    static OffsetIndex load(Path file, long segmentSize) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % ENTRY_SIZE != 0) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        OffsetIndex index = new OffsetIndex();
        long prevOffset = -1;
        long prevPosition = -1;
        while (buf.hasRemaining()) {
            int rel = buf.getInt();
            int pos = buf.getInt();
            if (rel <= prevOffset || pos <= prevPosition || pos >= segmentSize) {
                return null;
            }
            index.append(rel, pos);
            prevOffset = rel;
            prevPosition = pos;
        }
        return index;
    }

    /**
     * Position of the last indexed batch that starts at or before {@code maxPosition} and whose base
     * offset is at most {@code maxRelativeOffset}, or -1. Every batch before it is whole, ends below
     * that base offset, and lies within {@code maxPosition}: what a reader may send without scanning.
     */
    int lastBatchStartAtOrBefore(int maxPosition, int maxRelativeOffset) {
        int n = count; // count before array: see the class comment
        long[] arr = entries;
        int found = lastAtOrBelow(arr, n, maxPosition, false);
        while (found >= 0 && relativeOffset(arr[found]) > maxRelativeOffset) {
            found--;
        }
        return found < 0 ? -1 : position(arr[found]);
    }

    /** Index of the last of the first {@code n} entries whose offset (or position) is &lt;= bound, or -1; both grow along the array. */
    private static int lastAtOrBelow(long[] arr, int n, int bound, boolean byOffset) {
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if ((byOffset ? relativeOffset(arr[mid]) : position(arr[mid])) <= bound) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    private static int relativeOffset(long entry) {
        return (int) (entry >> 32);
    }

    private static int position(long entry) {
        return (int) entry;
    }

    /** Relative offset of the last entry, or -1. */
    int lastRelativeOffset() {
        int n = count;
        return n == 0 ? -1 : (int) (entries[n - 1] >> 32);
    }

    int lastPosition() {
        int n = count;
        return n == 0 ? -1 : (int) entries[n - 1];
    }
}
