package io.dlog.analytics;

import io.dlog.log.PartitionLog;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * In memory, the Arrow batches decoded from the tail of partitions (what no columnar copy covers: the active
 * segment, segments not copied yet), so that a later scan of the same tail decodes only the records appended
 * since. An entry is keyed by the log, the projected table schema and the offset the tail starts at, and holds
 * the batches decoded over {@code [from, to)} with a fingerprint of the log's batches there (base and last
 * offset, size and CRC of each, in order): a scan reuses an entry only after reading those batches' headers
 * again (no record decoded) and finding the same fingerprint, so truncation, the cleaner or anything else that
 * changed a batch of the range makes it a miss, and a log start moved into the range changes the key.
 * Only read_uncommitted scans without timestamp bounds use it (the same batches then give the same rows).
 *
 * <p>Bounded: entries are evicted least recently used beyond {@code maxBytes} (or {@link #MAX_ENTRIES}); an entry
 * above a quarter of it is not kept; its own allocator (capped at twice {@code maxBytes}: entries being recorded come on top) holds the
 * batches, and a scan gets copies of them in its own allocator, so eviction never frees what a scan still uses.
 *
 * <p>Thread-safe: the map and reference counts under this object's lock; an entry's batches never change.
 */
public final class DecodedTails implements AutoCloseable {
    static final int MAX_BATCHES_PER_ENTRY = 256;
    /** Entries kept at most (an entry holds its log: logs deleted since are let go as their entries age out). */
    static final int MAX_ENTRIES = 1024;
    private final BufferAllocator allocator;
    private final long maxBytes;
    private final Map<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private long bytes;
    private boolean closed;

    /** What an entry describes: a log's records from {@code from}, decoded into {@code schema}'s columns. */
    record Key(PartitionLog log, Schema schema, long from) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.log == log && k.from == from && k.schema.equals(schema);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(log) * 31 + Long.hashCode(from) * 17 + schema.hashCode();
        }
    }

    /** Batches decoded from {@code [from, to)}; {@code fingerprint} is {@link #mix} over the batches read there. */
    static final class Entry {
        final long to;
        final long fingerprint;
        final List<ArrowRecordBatch> batches;
        final long bytes;
        private int refs = 1;

        Entry(long to, long fingerprint, List<ArrowRecordBatch> batches) {
            this.to = to;
            this.fingerprint = fingerprint;
            this.batches = List.copyOf(batches);
            // The memory the buffers take (the allocator rounds sizes up), not only their bytes.
            this.bytes = batches.stream().flatMap(b -> b.getBuffers().stream())
                    .mapToLong(b -> b.getReferenceManager().getAccountedSize()).sum();
        }
    }

    public DecodedTails(long maxBytes) {
        this.maxBytes = maxBytes;
        this.allocator = new RootAllocator(2 * maxBytes);
    }

    /** The largest entry kept. */
    long maxEntryBytes() {
        return maxBytes / 4;
    }

    BufferAllocator allocator() {
        return allocator;
    }

    /** The entry for the key, held for the caller until {@link #release}; null when there is none. */
    synchronized Entry acquire(Key key) {
        Entry entry = closed ? null : entries.get(key);
        if (entry == null) {
            misses.incrementAndGet();
            return null;
        }
        entry.refs++;
        return entry;
    }

    /** Counts a hit: an acquired entry whose fingerprint matched. */
    void hit() {
        hits.incrementAndGet();
    }

    /** Drops the key's entry if it is still {@code stale} (its fingerprint no longer matches the log). */
    synchronized void invalidate(Key key, Entry stale) {
        misses.incrementAndGet();
        if (entries.get(key) == stale) {
            entries.remove(key);
            bytes -= stale.bytes;
            releaseLocked(stale);
        }
    }

    synchronized void release(Entry entry) {
        releaseLocked(entry);
    }

    private void releaseLocked(Entry entry) {
        if (--entry.refs == 0) {
            entry.batches.forEach(ArrowRecordBatch::close);
        }
    }

    /**
     * Keeps the entry for the key (replacing the one there), evicting the least recently used beyond the bound;
     * the entry is this cache's from now on. An entry over a quarter of the bound, or too many batches, is dropped.
     */
    synchronized void put(Key key, Entry entry) {
        if (closed || entry.bytes > maxEntryBytes() || entry.batches.size() > MAX_BATCHES_PER_ENTRY) {
            releaseLocked(entry);
            return;
        }
        Entry old = entries.put(key, entry);
        bytes += entry.bytes;
        if (old != null) {
            bytes -= old.bytes;
            releaseLocked(old);
        }
        Iterator<Map.Entry<Key, Entry>> eldest = entries.entrySet().iterator();
        while ((bytes > maxBytes || entries.size() > MAX_ENTRIES) && eldest.hasNext()) {
            Entry evicted = eldest.next().getValue();
            eldest.remove();
            bytes -= evicted.bytes;
            releaseLocked(evicted);
        }
    }

    /** Entries that matched the log when asked for, and lookups that found none or a stale one. */
    long hits() {
        return hits.get();
    }

    long misses() {
        return misses.get();
    }

    /** Bytes of the batches kept. */
    synchronized long bytes() {
        return bytes;
    }

    /** A copy of the batch with its buffers in {@code target} (the source's buffers stay as they are). */
    static ArrowRecordBatch copy(ArrowRecordBatch batch, BufferAllocator target) {
        List<ArrowBuf> buffers = new ArrayList<>();
        try {
            for (ArrowBuf source : batch.getBuffers()) {
                long length = source.readableBytes();
                ArrowBuf buffer = target.buffer(length);
                buffers.add(buffer);
                buffer.setBytes(0, source, source.readerIndex(), length);
                buffer.writerIndex(length);
            }
            return new ArrowRecordBatch(batch.getLength(), batch.getNodes(), buffers); // retains them
        } finally {
            buffers.forEach(ArrowBuf::close);
        }
    }

    /** Continues a fingerprint with one batch's header. */
    static long mix(long fingerprint, long baseOffset, long lastOffset, int sizeInBytes, long checksum) {
        long h = fingerprint;
        for (long v : new long[] {baseOffset, lastOffset, sizeInBytes, checksum}) {
            h = (h ^ v) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 31;
        }
        return h;
    }

    @Override
    public synchronized void close() {
        closed = true;
        entries.values().forEach(this::releaseLocked);
        entries.clear();
        bytes = 0;
        try {
            allocator.close();
        } catch (IllegalStateException e) {
            // A scan still holds an entry it acquired: its batches go when it releases them.
        }
    }
}
