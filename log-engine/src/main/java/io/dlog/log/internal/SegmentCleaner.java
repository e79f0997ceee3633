package io.dlog.log.internal;

import io.dlog.log.RecordsCodec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * Copies the batches of a group of sealed segments into one cleaned segment, keeping what Kafka's cleaner
 * keeps (LogCleaner.cleanInto with MemoryRecords.filterTo):
 * <ul>
 *   <li>a record whose key the offset map holds at a higher offset is dropped (a newer value exists);</li>
 *   <li>a tombstone (null value) stays until its batch's delete horizon passed: the first clean that keeps
 *       it writes {@code now + delete.retention.ms} into the batch's base timestamp and sets attribute bit 6
 *       (KIP-534), a later clean after that time drops it;</li>
 *   <li>records without a key are dropped (compacted topics refuse them at produce);</li>
 *   <li>a batch keeps its base offset, last offset delta, producer id, epoch and base sequence, so offsets of
 *       kept records never change; an idempotent producer's last batch stays even when emptied (a header
 *       with no records), so its sequence numbers stay continuous after a restart;</li>
 *   <li>a batch whose records all stay and that needs no horizon is copied byte for byte;</li>
 *   <li>transactions ({@link CleanedTransactions}): an aborted transaction's batches go; a marker stays
 *       while its transaction has data, then gets a delete horizon and goes after it; the aborted
 *       transactions whose markers stay with data are written to the cleaned segment's {@code .txnindex}.</li>
 * </ul>
 * Batches the codec cannot read, and batches whose records do not parse, are copied whole: nothing is lost.
 *
 * <p>Not thread-safe: one per cleaner thread.
 */
final class SegmentCleaner {
    /** Attribute bit 6: the base timestamp is the delete horizon (KIP-534). */
    static final int DELETE_HORIZON_BIT = 0x40;
    private static final int FLUSH_BYTES = 1 << 20;

    /** What one clean read and wrote. */
    static final class Stats {
        long bytesRead;
        long bytesWritten;
        long recordsRead;
        long recordsKept;
        long batchesCopiedWhole;
        long batchesUnreadable;
        long markersRemoved;
    }

    private final OffsetMap map;
    private final RecordsCodec codec;
    private final Throttler throttler;
    private final Runnable checkAborted;
    private final RecordCursor cursor = new RecordCursor();
    private ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private ByteBuffer out = ByteBuffer.allocate(FLUSH_BYTES + 64 * 1024);
    private ByteBuffer raw = ByteBuffer.allocate(64 * 1024);
    private int[] positions = new int[256];
    private int batchesOut;
    private final List<TxnIndex.Entry> keptAborts = new java.util.ArrayList<>();
    /** Largest timestamp among the records of the last {@link #encodeKept}. */
    private long keptMaxTimestamp;

    SegmentCleaner(OffsetMap map, RecordsCodec codec, Throttler throttler, Runnable checkAborted) {
        this.map = map;
        this.codec = codec;
        this.throttler = throttler;
        this.checkAborted = checkAborted;
    }

    /**
     * Writes what stays of {@code sources} into {@code target} (a fresh {@code .cleaned} segment).
     *
     * @param sizes               bytes of each source to read: their sizes when the clean began
     * @param lastBatchOfProducer producer id → last offset of its last batch (those batches stay)
     * @param txn                 the pass's transaction state, fed every batch in offset order
     */
    void cleanInto(List<LogSegment> sources, int[] sizes, LogSegment target, Map<Long, Long> lastBatchOfProducer,
                   long now, long deleteRetentionMs, int indexIntervalBytes, CleanedTransactions txn, Stats stats)
            throws IOException {
        out.clear();
        batchesOut = 0;
        ByteBuffer header = ByteBuffer.allocate(BatchFormat.HEADER_SIZE);
        for (int i = 0; i < sources.size(); i++) {
            LogSegment source = sources.get(i);
            int limit = sizes[i];
            int pos = 0;
            while (pos + BatchFormat.HEADER_SIZE <= limit) {
                checkAborted.run();
                header.clear();
                source.readHeader(header, pos);
                int total = BatchFormat.totalSize(header, 0);
                ByteBuffer batch = readBatch(source, pos, total);
                throttler.acquire(total);
                stats.bytesRead += total;
                filterBatch(batch, lastBatchOfProducer, now, deleteRetentionMs, txn, stats);
                for (TxnIndex.Entry kept : keptAborts) {
                    target.txnIndex().append(kept);
                }
                keptAborts.clear();
                if (out.position() >= FLUSH_BYTES) {
                    flush(target, indexIntervalBytes, now, stats);
                }
                pos += total;
            }
        }
        flush(target, indexIntervalBytes, now, stats);
    }

    private ByteBuffer readBatch(LogSegment source, int pos, int total) throws IOException {
        if (in.capacity() < total) {
            in = ByteBuffer.allocate(Math.max(total, in.capacity() * 2));
        }
        in.clear().limit(total);
        source.readHeader(in, pos);
        in.flip();
        return in;
    }

    private void filterBatch(ByteBuffer batch, Map<Long, Long> lastBatchOfProducer, long now, long deleteRetentionMs,
                             CleanedTransactions txn, Stats stats) throws IOException {
        long base = BatchFormat.baseOffset(batch, 0);
        long last = base + BatchFormat.lastOffsetDelta(batch, 0);
        long pid = BatchFormat.producerId(batch, 0);
        boolean lastOfProducer = pid >= 0 && Long.valueOf(last).equals(lastBatchOfProducer.get(pid));
        int count = BatchFormat.recordCount(batch, 0);
        stats.recordsRead += count;
        if (BatchFormat.isControl(batch, 0)) {
            filterMarker(batch, txn.onControlBatch(batch, keptAborts), now, deleteRetentionMs, stats);
            return;
        }
        boolean aborted = txn.onDataBatch(batch);
        if (count == 0) {
            if (lastOfProducer) {
                copyWhole(batch, stats, 0);
            }
            return;
        }
        int codecId = BatchFormat.compression(batch, 0);
        if (!aborted && !codec.supports(codecId)) {
            stats.batchesUnreadable++;
            copyWhole(batch, stats, count);
            return;
        }
        try {
            filterRecords(batch, codecId, count, lastOfProducer, aborted, false, now, deleteRetentionMs, stats);
        } catch (IllegalArgumentException e) {
            stats.batchesUnreadable++;
            copyWhole(batch, stats, count);
        }
    }

    /**
     * A marker whose transaction has no data left is stamped with a delete horizon, then dropped by a clean
     * after it (KIP-534, as Kafka); any other marker stays as it is.
     */
    private void filterMarker(ByteBuffer batch, boolean removable, long now, long deleteRetentionMs, Stats stats)
            throws IOException {
        boolean horizonSet = (BatchFormat.attributes(batch, 0) & DELETE_HORIZON_BIT) != 0;
        if (!removable || BatchFormat.recordCount(batch, 0) == 0) {
            copyWhole(batch, stats, BatchFormat.recordCount(batch, 0));
        } else if (horizonSet && BatchFormat.baseTimestamp(batch, 0) <= now) {
            stats.markersRemoved++;
        } else if (horizonSet) {
            copyWhole(batch, stats, 1);
        } else {
            try {
                filterRecords(batch, 0, BatchFormat.recordCount(batch, 0), false, false, true, now, deleteRetentionMs,
                        stats);
            } catch (IllegalArgumentException e) {
                copyWhole(batch, stats, 1);
            }
        }
    }

    /**
     * @param marker a control batch: its records are kept as they are and it gets a delete horizon
     */
    private void filterRecords(ByteBuffer batch, int codecId, int count, boolean lastOfProducer, boolean aborted,
                               boolean marker, long now, long deleteRetentionMs, Stats stats) throws IOException {
        ByteBuffer section = batch.duplicate().position(BatchFormat.HEADER_SIZE).slice();
        if (aborted) {
            // an aborted transaction's records all go; the producer's last batch stays as a header
            if (lastOfProducer) {
                writeEmpty(batch, stats);
            }
            return;
        }
        ByteBuffer records = codecId == 0 ? section : codec.decompress(codecId, section);
        short attributes = BatchFormat.attributes(batch, 0);
        boolean horizonSet = (attributes & DELETE_HORIZON_BIT) != 0;
        long baseTimestamp = BatchFormat.baseTimestamp(batch, 0);
        boolean deletesExpired = horizonSet && now >= baseTimestamp;
        long base = BatchFormat.baseOffset(batch, 0);
        // Pass 1: decide, remembering kept records' start positions in the (decompressed) section.
        int[] kept = new int[count];
        int keptCount = 0;
        boolean keptTombstone = false;
        cursor.reset(records, count);
        while (cursor.advance()) {
            boolean keep = marker || cursor.keyLength >= 0
                    && base + cursor.offsetDelta >= map.get(records, cursor.keyPos, cursor.keyLength)
                    && (cursor.valueLength >= 0 || !deletesExpired);
            if (keep) {
                kept[keptCount++] = cursor.recordStart;
                keptTombstone |= cursor.valueLength < 0;
            }
        }
        if (!cursor.exhausted()) {
            throw new IllegalArgumentException("records do not fill the batch");
        }
        boolean needHorizon = !horizonSet && (keptTombstone || marker);
        if (keptCount == count && !needHorizon) {
            copyWhole(batch, stats, count);
            return;
        }
        if (keptCount == 0) {
            if (lastOfProducer) {
                writeEmpty(batch, stats);
            }
            return;
        }
        long newBase = needHorizon ? saturatedAdd(now, deleteRetentionMs) : baseTimestamp;
        ByteBuffer kept1 = encodeKept(records, count, kept, keptCount, baseTimestamp, newBase);
        ByteBuffer section1 = codecId == 0 ? kept1 : codec.compress(codecId, kept1);
        boolean logAppendTime = (attributes & BatchFormat.TIMESTAMP_TYPE_BIT) != 0;
        long maxTimestamp = logAppendTime ? BatchFormat.maxTimestamp(batch, 0) : keptMaxTimestamp;
        int size = BatchFormat.HEADER_SIZE + section1.remaining();
        ensureOut(size);
        int at = out.position();
        out.put(batch.duplicate().position(0).limit(BatchFormat.HEADER_SIZE));
        out.put(section1);
        out.putInt(at + BatchFormat.LENGTH, size - BatchFormat.LOG_OVERHEAD);
        out.putShort(at + BatchFormat.ATTRIBUTES, (short) (attributes | (needHorizon ? DELETE_HORIZON_BIT : 0)));
        out.putLong(at + BatchFormat.BASE_TIMESTAMP, newBase);
        out.putLong(at + BatchFormat.MAX_TIMESTAMP, maxTimestamp);
        out.putInt(at + BatchFormat.RECORD_COUNT, keptCount);
        BatchFormat.writeCrc(out, at, size);
        addPosition(at);
        stats.recordsKept += keptCount;
    }

    /** The kept records back to back; their timestamp deltas re-encoded when the base timestamp moves. */
    private ByteBuffer encodeKept(ByteBuffer records, int count, int[] kept, int keptCount, long oldBase, long newBase) {
        if (raw.capacity() < records.limit() + keptCount * 10) {
            raw = ByteBuffer.allocate(Math.max(records.limit() + keptCount * 10, raw.capacity() * 2));
        }
        raw.clear();
        keptMaxTimestamp = -1;
        int k = 0;
        cursor.reset(records, count);
        while (k < keptCount && cursor.advance()) {
            if (cursor.recordStart != kept[k]) {
                continue;
            }
            k++;
            long timestamp = oldBase + cursor.timestampDelta;
            keptMaxTimestamp = Math.max(keptMaxTimestamp, timestamp);
            if (newBase == oldBase) {
                raw.put(records.duplicate().limit(cursor.bodyEnd).position(cursor.recordStart));
            } else {
                long delta = timestamp - newBase;
                int rest = cursor.bodyEnd - cursor.offsetDeltaPos;
                int length = 1 + sizeOfVarlong(delta) + rest;
                writeVarint(raw, length);
                raw.put(records.get(cursor.bodyStart));
                writeVarlong(raw, delta);
                raw.put(records.duplicate().limit(cursor.bodyEnd).position(cursor.offsetDeltaPos));
            }
        }
        return raw.flip();
    }

    /** Kafka's DefaultRecordBatch.writeEmptyHeader: the batch's offsets and producer fields, no records. */
    private void writeEmpty(ByteBuffer batch, Stats stats) {
        ensureOut(BatchFormat.HEADER_SIZE);
        int at = out.position();
        out.put(batch.duplicate().position(0).limit(BatchFormat.HEADER_SIZE));
        short attributes = (short) (BatchFormat.attributes(batch, 0) & ~(BatchFormat.COMPRESSION_MASK | DELETE_HORIZON_BIT));
        long maxTimestamp = BatchFormat.maxTimestamp(batch, 0);
        out.putInt(at + BatchFormat.LENGTH, BatchFormat.HEADER_SIZE - BatchFormat.LOG_OVERHEAD);
        out.putShort(at + BatchFormat.ATTRIBUTES, attributes);
        out.putLong(at + BatchFormat.BASE_TIMESTAMP, maxTimestamp);
        out.putInt(at + BatchFormat.RECORD_COUNT, 0);
        BatchFormat.writeCrc(out, at, BatchFormat.HEADER_SIZE);
        addPosition(at);
    }

    private void copyWhole(ByteBuffer batch, Stats stats, int count) {
        ensureOut(batch.limit());
        addPosition(out.position());
        out.put(batch.duplicate().position(0));
        stats.recordsKept += count;
        stats.batchesCopiedWhole++;
    }

    private void ensureOut(int more) {
        if (out.remaining() < more) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + more));
            out.flip();
            bigger.put(out);
            out = bigger;
        }
    }

    private void addPosition(int at) {
        if (batchesOut == positions.length) {
            positions = java.util.Arrays.copyOf(positions, positions.length * 2);
        }
        positions[batchesOut++] = at;
    }

    private void flush(LogSegment target, int indexIntervalBytes, long now, Stats stats) throws IOException {
        if (batchesOut == 0) {
            return;
        }
        out.flip();
        int length = out.remaining();
        target.append(out, java.util.Arrays.copyOf(positions, batchesOut), indexIntervalBytes, now);
        throttler.acquire(length);
        stats.bytesWritten += length;
        out.clear();
        batchesOut = 0;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    static int sizeOfVarlong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xffffffffffffff80L) != 0L) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static void writeVarint(ByteBuffer buf, int value) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xffffff80) != 0) {
            buf.put((byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        buf.put((byte) v);
    }

    static void writeVarlong(ByteBuffer buf, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xffffffffffffff80L) != 0L) {
            buf.put((byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        buf.put((byte) v);
    }
}
