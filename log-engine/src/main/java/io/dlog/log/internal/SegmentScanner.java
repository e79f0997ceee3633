package io.dlog.log.internal;

import io.dlog.log.TimestampLookup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * Read-side walks over batch headers: locate the batch holding an offset (offset index, then a header
 * scan) and answer timestamp lookups (segment max timestamps, time index, then a header scan).
 *
 * <p>Stateless; safe on any thread. Each walk is bounded by the segment size read once at its start, so
 * it never looks at bytes the writer has not yet published.
 */
final class SegmentScanner {
    /** Header bytes up to and including max timestamp. */
    private static final int TS_HEADER = BatchFormat.MAX_TIMESTAMP + 8;

    private SegmentScanner() {
    }

    /**
     * Position of the batch whose offsets include {@code offset}, or -1 when the segment has none. On a position,
     * {@code header} holds that batch's header, so the caller need not read it again.
     */
    static int positionOf(LogSegment seg, long offset, int limit, ByteBuffer header) throws IOException {
        int pos = seg.lookupPosition(offset, limit);
        while (pos + header.capacity() <= limit) {
            header.clear();
            seg.readHeader(header, pos);
            long last = BatchFormat.baseOffset(header, 0) + BatchFormat.lastOffsetDelta(header, 0);
            if (last >= offset) {
                return pos;
            }
            pos += BatchFormat.totalSize(header, 0);
        }
        return -1;
    }

    /** First batch at or above the log start, below the high watermark, with max timestamp &gt;= target. */
    static Optional<TimestampLookup> lookupTimestamp(NavigableMap<Long, LogSegment> segments, long target,
                                                     long logStart, long highWatermark) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(TS_HEADER);
        for (LogSegment seg : segments.values()) {
            if (seg.maxTimestamp() < target) {
                continue;
            }
            int limit = seg.size();
            int fromTime = seg.timeIndex().lastOffsetBelow(target);
            int pos = Math.max(fromTime < 0 ? 0 : seg.lookupPosition(seg.baseOffset() + fromTime),
                    seg.lookupPosition(logStart));
            while (pos + TS_HEADER <= limit) {
                header.clear();
                seg.readHeader(header, pos);
                long base = BatchFormat.baseOffset(header, 0);
                long last = base + BatchFormat.lastOffsetDelta(header, 0);
                if (last >= highWatermark) {
                    return Optional.empty();
                }
                if (last >= logStart && BatchFormat.maxTimestamp(header, 0) >= target) {
                    return Optional.of(copy(seg, pos, header));
                }
                pos += BatchFormat.totalSize(header, 0);
            }
        }
        return Optional.empty();
    }

    /** The earliest batch holding the largest timestamp among batches at or above the log start. */
    static Optional<TimestampLookup> lookupMaxTimestamp(NavigableMap<Long, LogSegment> segments, long logStart,
                                                        long highWatermark) throws IOException {
        LogSegment best = null;
        long bestTs = -1;
        long bestOffset = -1;
        ByteBuffer header = ByteBuffer.allocate(TS_HEADER);
        for (LogSegment seg : segments.values()) {
            long ts = seg.maxTimestamp();
            long offset = seg.offsetOfMaxTimestamp();
            if (ts >= 0 && offset < logStart) {
                // the segment's maximum was deleted by DeleteRecords: find the maximum of what is left
                long[] tsAndOffset = maxFrom(seg, logStart, header);
                ts = tsAndOffset[0];
                offset = tsAndOffset[1];
            }
            if (ts > bestTs) {
                best = seg;
                bestTs = ts;
                bestOffset = offset;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        int pos = positionOf(best, bestOffset, best.size(), header);
        if (pos < 0) {
            return Optional.empty();
        }
        header.clear();
        best.readHeader(header, pos);
        return Optional.of(copy(best, pos, header));
    }

    private static long[] maxFrom(LogSegment seg, long logStart, ByteBuffer header) throws IOException {
        long bestTs = -1;
        long bestOffset = -1;
        int limit = seg.size();
        int pos = seg.lookupPosition(logStart);
        while (pos + TS_HEADER <= limit) {
            header.clear();
            seg.readHeader(header, pos);
            long base = BatchFormat.baseOffset(header, 0);
            long last = base + BatchFormat.lastOffsetDelta(header, 0);
            long ts = BatchFormat.maxTimestamp(header, 0);
            if (last >= logStart && ts > bestTs) {
                bestTs = ts;
                bestOffset = base;
            }
            pos += BatchFormat.totalSize(header, 0);
        }
        return new long[] {bestTs, bestOffset};
    }

    private static TimestampLookup copy(LogSegment seg, int pos, ByteBuffer header) throws IOException {
        ByteBuffer batch = ByteBuffer.allocate(BatchFormat.totalSize(header, 0));
        seg.readHeader(batch, pos);
        batch.flip();
        long base = BatchFormat.baseOffset(batch, 0);
        return new TimestampLookup(batch.asReadOnlyBuffer(), base, base + BatchFormat.lastOffsetDelta(batch, 0),
                BatchFormat.maxTimestamp(batch, 0));
    }

    /** For tests and tools: every batch position of a segment. */
    static int countBatches(Map.Entry<Long, LogSegment> entry) throws IOException {
        LogSegment seg = entry.getValue();
        ByteBuffer header = ByteBuffer.allocate(LogSegment.SCAN_HEADER);
        int pos = 0;
        int n = 0;
        while (pos + LogSegment.SCAN_HEADER <= seg.size()) {
            header.clear();
            seg.readHeader(header, pos);
            pos += BatchFormat.totalSize(header, 0);
            n++;
        }
        return n;
    }
}
