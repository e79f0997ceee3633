package io.dlog.log.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Sparse time index of one segment, as Kafka keeps it: (largest timestamp so far, relative offset of the
 * batch that holds it), appended alongside offset index entries when the timestamp grew, plus a final
 * entry when the segment rolls. Timestamps strictly increase. File layout {@code .timeindex}: int64
 * timestamp, int32 relative offset.
 *
 * <p>Thread-safety: single writer, lock-free readers, published like {@link OffsetIndex}.
 */
final class TimeIndex {
    static final int ENTRY_SIZE = 12;

    private volatile long[] entries = new long[32];
    private volatile int count;

    int entries() {
        return count;
    }

    int sizeInBytes() {
        return count * ENTRY_SIZE;
    }

    /** Appends if the timestamp is larger than the last entry's. Writer thread only. */
    void maybeAppend(long timestamp, int relativeOffset) {
        int n = count;
        long[] arr = entries;
        if (n > 0 && arr[2 * (n - 1)] >= timestamp) {
            return;
        }
        if (2 * n == arr.length) {
            arr = Arrays.copyOf(arr, arr.length * 2);
            entries = arr;
        }
        arr[2 * n] = timestamp;
        arr[2 * n + 1] = relativeOffset;
        count = n + 1;
    }

    /**
     * Relative offset of the last entry whose timestamp is &lt; target: every batch up to that one has a
     * max timestamp below the target, so a scan for the first batch reaching it may start there. -1 when
     * the scan must start at the segment's beginning.
     */
    int lastOffsetBelow(long target) {
        int n = count;
        long[] arr = entries;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (arr[2 * mid] < target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? -1 : (int) arr[2 * found + 1];
    }

    /** Largest timestamp recorded, or -1. */
    long lastTimestamp() {
        int n = count;
        return n == 0 ? -1 : entries[2 * (n - 1)];
    }

    int lastRelativeOffset() {
        int n = count;
        return n == 0 ? -1 : (int) entries[2 * (n - 1) + 1];
    }

    void writeTo(Path file) throws IOException {
        int n = count;
        long[] arr = entries;
        ByteBuffer buf = ByteBuffer.allocate(n * ENTRY_SIZE);
        for (int i = 0; i < n; i++) {
            buf.putLong(arr[2 * i]).putInt((int) arr[2 * i + 1]);
        }
        Checkpoints.writeAtomically(file, buf.flip());
    }

    /** Loads, or null when missing or insane (timestamps and offsets must increase, offsets fit). */
    static TimeIndex load(Path file, long maxRelativeOffset) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % ENTRY_SIZE != 0) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        TimeIndex index = new TimeIndex();
        long prevTs = Long.MIN_VALUE;
        int prevRel = -1;
        while (buf.hasRemaining()) {
            long ts = buf.getLong();
            int rel = buf.getInt();
            if (ts <= prevTs || rel < prevRel || rel < 0 || rel > maxRelativeOffset) {
                return null;
            }
            index.maybeAppend(ts, rel);
            prevTs = ts;
            prevRel = rel;
        }
        return index;
    }
}
