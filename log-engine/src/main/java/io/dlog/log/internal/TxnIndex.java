package io.dlog.log.internal;

import io.dlog.log.AbortedTransaction;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * A segment's aborted-transaction index ({@code <base>.txnindex}), after Kafka's TransactionIndex: one
 * entry per abort marker written into the segment, in marker order. Entries use Kafka's layout (34
 * bytes: version int16 = 0, producer id, first offset, last offset = the marker, last stable offset
 * after the abort), so Kafka's tools could read the file.
 *
 * <p>{@code lastStableOffset} makes searches stop early: once an entry's LSO is at or beyond the upper
 * bound of a read, every later transaction started at or after that bound.
 *
 * <p>Durability: the file is created on the first entry and appended to; it is not fsynced on its own.
 * Recovery never trusts it past the producer-state snapshot: the loader truncates entries from the
 * replay point and the replay of the markers re-adds them, so a torn or stale tail heals itself.
 *
 * <p>Thread-safety: one writer (the partition's owner thread, or the loader before publication);
 * readers on any thread see a prefix of the entries through the volatile count, written after the
 * entry it covers.
 */
final class TxnIndex {
    static final String SUFFIX = ".txnindex";
    static final int ENTRY_SIZE = 34;
    private static final short VERSION = 0;

    record Entry(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
    }

    private final Path file;
    private Entry[] entries;
    private volatile int count;
    private FileChannel channel;

    private TxnIndex(Path file, Entry[] entries, int count) {
        this.file = file;
        this.entries = entries;
        this.count = count;
    }

    /** Loads the index of a segment, dropping a torn last entry; empty when the file is absent. */
    static TxnIndex load(Path dir, long baseOffset) throws IOException {
        Path file = dir.resolve(LogSegment.fileName(baseOffset, SUFFIX));
        if (!Files.exists(file)) {
            return new TxnIndex(file, new Entry[4], 0);
        }
        byte[] bytes = Files.readAllBytes(file);
        int n = bytes.length / ENTRY_SIZE;
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        Entry[] loaded = new Entry[Math.max(4, n)];
        int valid = 0;
        for (int i = 0; i < n; i++) {
            if (buf.getShort() != VERSION) {
                break;
            }
            loaded[valid++] = new Entry(buf.getLong(), buf.getLong(), buf.getLong(), buf.getLong());
        }
        TxnIndex index = new TxnIndex(file, loaded, valid);
        if ((long) valid * ENTRY_SIZE != bytes.length) {
            index.rewrite();
        }
        return index;
    }

    /** A new, empty index kept in {@code file} (the cleaner's {@code .txnindex.cleaned}). */
    static TxnIndex empty(Path file) {
        return new TxnIndex(file, new Entry[4], 0);
    }

    /** The entries, in marker order. Any thread. */
    List<Entry> all() {
        int n = count;
        return List.of(Arrays.copyOf(entries, n));
    }

    /** Records an aborted transaction whose marker is in this segment. Writer only. */
    void append(Entry entry) throws IOException {
        if (count == entries.length) {
            entries = Arrays.copyOf(entries, count * 2);
        }
        ByteBuffer buf = ByteBuffer.allocate(ENTRY_SIZE);
        buf.putShort(VERSION).putLong(entry.producerId()).putLong(entry.firstOffset()).putLong(entry.lastOffset())
                .putLong(entry.lastStableOffset()).flip();
        FileChannel ch = channel();
        long at = (long) count * ENTRY_SIZE;
        while (buf.hasRemaining()) {
            at += ch.write(buf, at);
        }
        entries[count] = entry;
        count = count + 1;
    }

    /** Drops entries whose marker is at or after {@code offset} (recovery, before replay). Writer only. */
    void truncateFrom(long offset) throws IOException {
        int keep = 0;
        while (keep < count && entries[keep].lastOffset() < offset) {
            keep++;
        }
        if (keep != count) {
            count = keep;
            rewrite();
        }
    }

    /**
     * Adds to {@code out} the entries overlapping {@code [fromOffset, upperBound)}; returns true when the
     * search may stop (an entry's last stable offset reached the bound). Any thread.
     */
    boolean collect(long fromOffset, long upperBound, List<AbortedTransaction> out) {
        int n = count; // volatile read first: it publishes the array and the entries below n
        Entry[] snapshot = entries;
        for (int i = 0; i < n; i++) {
            Entry e = snapshot[i];
            if (e.lastOffset() >= fromOffset && e.firstOffset() < upperBound) {
                out.add(new AbortedTransaction(e.producerId(), e.firstOffset(), e.lastOffset()));
            }
            if (e.lastStableOffset() >= upperBound) {
                return true;
            }
        }
        return false;
    }

    int entries() {
        return count;
    }

    void flush() throws IOException {
        if (channel != null) {
            channel.force(false);
        }
    }

    void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            channel = FileIo.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }
        return channel;
    }

    private void rewrite() throws IOException {
        close();
        if (count == 0) {
            FileIo.deleteIfExists(file);
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(count * ENTRY_SIZE);
        for (int i = 0; i < count; i++) {
            Entry e = entries[i];
            buf.putShort(VERSION).putLong(e.producerId()).putLong(e.firstOffset()).putLong(e.lastOffset())
                    .putLong(e.lastStableOffset());
        }
        Checkpoints.writeAtomically(file, buf.flip());
    }
}
