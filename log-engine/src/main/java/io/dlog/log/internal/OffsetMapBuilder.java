package io.dlog.log.internal;

import io.dlog.log.RecordsCodec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.NavigableMap;

/**
 * First pass of a clean: maps every key in the dirty section {@code [firstDirty, upper)} to its latest
 * offset (tombstones included: they supersede older values too). Markers and aborted transactions' batches
 * carry no live keys and are skipped; a batch the codec cannot read is not mapped (its keys then supersede
 * nothing, so older values stay: never a loss).
 *
 * <p>Stops before the first batch that would overfill the map or reaches {@code upper}, and returns that
 * batch's base offset: the end of the range this clean covers. Not thread-safe.
 */
final class OffsetMapBuilder {
    private final OffsetMap map;
    private final RecordsCodec codec;
    private final Throttler throttler;
    private final Runnable checkAborted;
    private final CleanedTransactions txn;
    private final RecordCursor cursor = new RecordCursor();
    private ByteBuffer batch = ByteBuffer.allocate(64 * 1024);

    OffsetMapBuilder(OffsetMap map, RecordsCodec codec, Throttler throttler, Runnable checkAborted,
                     CleanedTransactions txn) {
        this.map = map;
        this.codec = codec;
        this.throttler = throttler;
        this.checkAborted = checkAborted;
        this.txn = txn;
    }

    /** @return the first offset not covered: every key below it is in the map */
    long build(NavigableMap<Long, LogSegment> segments, long firstDirty, long upper) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_SIZE);
        Long startKey = segments.floorKey(firstDirty);
        for (LogSegment seg : segments.tailMap(startKey == null ? firstDirty : startKey).values()) {
            if (seg.baseOffset() >= upper) {
                break;
            }
            int pos = seg.lookupPosition(firstDirty);
            int limit = seg.size();
            while (pos + BatchFormat.HEADER_SIZE <= limit) {
                checkAborted.run();
                header.clear();
                seg.readHeader(header, pos);
                int total = BatchFormat.totalSize(header, 0);
                long base = BatchFormat.baseOffset(header, 0);
                long last = base + BatchFormat.lastOffsetDelta(header, 0);
                int count = BatchFormat.recordCount(header, 0);
                if (last >= upper) {
                    return Math.min(base, upper);
                }
                if (last >= firstDirty && count > 0 && !BatchFormat.isControl(header, 0)) {
                    if (map.isFull(count)) {
                        return Math.max(base, firstDirty);
                    }
                    mapBatch(seg, pos, total, firstDirty);
                    throttler.acquire(total);
                }
                pos += total;
            }
        }
        return upper;
    }

    private void mapBatch(LogSegment seg, int pos, int total, long firstDirty) throws IOException {
        if (batch.capacity() < total) {
            batch = ByteBuffer.allocate(Math.max(total, batch.capacity() * 2));
        }
        batch.clear().limit(total);
        seg.readHeader(batch, pos);
        batch.flip();
        int codecId = BatchFormat.compression(batch, 0);
        if (txn.onDataBatch(batch) || !codec.supports(codecId)) {
            return;
        }
        ByteBuffer section = batch.duplicate().position(BatchFormat.HEADER_SIZE).slice();
        long base = BatchFormat.baseOffset(batch, 0);
        try {
            ByteBuffer records = codecId == 0 ? section : codec.decompress(codecId, section);
            cursor.reset(records, BatchFormat.recordCount(batch, 0));
            while (cursor.advance()) {
                long offset = base + cursor.offsetDelta;
                if (cursor.keyLength >= 0 && offset >= firstDirty) {
                    map.put(records, cursor.keyPos, cursor.keyLength, offset);
                }
            }
        } catch (IllegalArgumentException e) {
            // unparsable records: those already mapped stay (they exist), the rest supersede nothing
        }
    }
}
