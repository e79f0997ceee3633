package io.dlog.log.internal;

import io.dlog.log.AppendError;
import io.dlog.log.ProducerSnapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Idempotent-producer state of one partition, after Kafka's ProducerStateManager: per producer id the
 * epoch and the metadata of its last five batches, used to reject epoch regressions and sequence gaps
 * and to answer duplicates with their original offsets.
 *
 * <p>Rules (Kafka's, KIP-360 included): an epoch below the known one is refused; a new epoch must start
 * at sequence 0 unless the producer is unknown (its state expired or was deleted: any sequence is
 * accepted); within an epoch the base sequence must follow the last one (wrapping at
 * Integer.MAX_VALUE). A request is checked as a whole against staged state and only committed after
 * its bytes are written, so a refused request changes nothing.
 *
 * <p>Persistence: {@code <offset>.snapshot} files (written at roll and close, CRC32C-protected); on open
 * the newest usable snapshot is loaded and batch headers after it are replayed ({@link #replay}).
 *
 * <p>Thread-safety: mutated only by the partition's writer thread; entries are immutable and kept in a
 * concurrent map so {@link #activeProducers()} may run on any thread.
 */
final class ProducerStateManager {
    static final int CACHED_BATCHES = 5;
    private static final int SNAPSHOT_VERSION = 1;
    private static final String SUFFIX = ".snapshot";

    record BatchMeta(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    record Entry(long producerId, short epoch, List<BatchMeta> batches, long lastTimestamp, long lastAppendTime) {
        int lastSeq() {
            return batches.isEmpty() ? -1 : batches.get(batches.size() - 1).lastSeq();
        }

        long lastOffset() {
            return batches.isEmpty() ? -1 : batches.get(batches.size() - 1).lastOffset();
        }

        BatchMeta findDuplicate(short e, int firstSeq, int lastSeq) {
            if (e != epoch) {
                return null;
            }
            for (BatchMeta m : batches) {
                if (m.firstSeq() == firstSeq && m.lastSeq() == lastSeq) {
                    return m;
                }
            }
            return null;
        }

        Entry with(short newEpoch, BatchMeta meta, long timestamp, long appendTime) {
            List<BatchMeta> list = new ArrayList<>(newEpoch == epoch ? batches : List.of());
            list.add(meta);
            while (list.size() > CACHED_BATCHES) {
                list.remove(0);
            }
            return new Entry(producerId, newEpoch, List.copyOf(list), timestamp, appendTime);
        }
    }

    /** A checked request: an error, a duplicate (original offsets), or updates to commit after the write. */
    record Staged(AppendError error, String message, BatchMeta duplicate, Map<Long, Entry> updates) {
    }

    private final Path dir;
    private final Map<Long, Entry> producers = new ConcurrentHashMap<>();

    ProducerStateManager(Path dir) {
        this.dir = dir;
    }

    /**
     * Checks every idempotent batch of a request in order against the state staged so far.
     *
     * @param firstOffsets the offset each batch will get if the request is written
     */
    Staged stage(ByteBuffer buf, int[] positions, long[] firstOffsets, long now) {
        Map<Long, Entry> staged = new HashMap<>();
        int idempotent = 0;
        List<BatchMeta> dups = new ArrayList<>();
        for (int i = 0; i < positions.length; i++) {
            int at = positions[i];
            long pid = BatchFormat.producerId(buf, at);
            if (pid < 0 || BatchFormat.isControl(buf, at)) {
                continue;
            }
            idempotent++;
            short epoch = BatchFormat.producerEpoch(buf, at);
            int firstSeq = BatchFormat.baseSequence(buf, at);
            int lastSeq = BatchFormat.incrementSequence(firstSeq, BatchFormat.lastOffsetDelta(buf, at));
            Entry current = staged.containsKey(pid) ? staged.get(pid) : producers.get(pid);
            BatchMeta dup = current == null ? null : current.findDuplicate(epoch, firstSeq, lastSeq);
            if (dup != null) {
                dups.add(dup);
                continue;
            }
            String problem = checkSequence(current, epoch, firstSeq);
            if (problem != null) {
                AppendError error = current != null && epoch < current.epoch()
                        ? AppendError.INVALID_PRODUCER_EPOCH : AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER;
                return new Staged(error, problem, null, null);
            }
            Entry base = current != null ? current : new Entry(pid, epoch, List.of(), -1, -1);
            long first = firstOffsets[i];
            BatchMeta meta = new BatchMeta(firstSeq, lastSeq, first, first + BatchFormat.lastOffsetDelta(buf, at));
            staged.put(pid, base.with(epoch, meta, BatchFormat.maxTimestamp(buf, at), now));
        }
        if (dups.isEmpty()) {
            return new Staged(null, null, null, staged);
        }
        if (dups.size() == positions.length && idempotent == positions.length) {
            BatchMeta range = new BatchMeta(dups.get(0).firstSeq(), dups.get(dups.size() - 1).lastSeq(),
                    dups.get(0).firstOffset(), dups.get(dups.size() - 1).lastOffset());
            return new Staged(null, null, range, Map.of());
        }
        return new Staged(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER,
                "request mixes duplicate and new batches", null, null);
    }

    /** Null when the batch may follow the producer's state. */
    private static String checkSequence(Entry current, short epoch, int firstSeq) {
        if (current == null) {
            return null;
        }
        if (epoch < current.epoch()) {
            return "producer epoch " + epoch + " is older than " + current.epoch();
        }
        if (epoch != current.epoch()) {
            return firstSeq == 0 ? null : "new epoch " + epoch + " must start at sequence 0, got " + firstSeq;
        }
        int last = current.lastSeq();
        boolean inSequence = (long) firstSeq == last + 1L || (firstSeq == 0 && last == Integer.MAX_VALUE);
        return inSequence ? null : "expected sequence " + BatchFormat.incrementSequence(last, 1) + ", got " + firstSeq;
    }

    void commit(Map<Long, Entry> updates) {
        producers.putAll(updates);
    }

    /** Applies a stored batch's header without checks (recovery). */
    void replay(ByteBuffer header, int at, long appendTime) {
        long pid = BatchFormat.producerId(header, at);
        if (pid < 0 || BatchFormat.isControl(header, at)) {
            return;
        }
        short epoch = BatchFormat.producerEpoch(header, at);
        Entry current = producers.get(pid);
        if (current != null && epoch < current.epoch()) {
            return;
        }
        int firstSeq = BatchFormat.baseSequence(header, at);
        int delta = BatchFormat.lastOffsetDelta(header, at);
        long first = BatchFormat.baseOffset(header, at);
        BatchMeta meta = new BatchMeta(firstSeq, BatchFormat.incrementSequence(firstSeq, delta), first, first + delta);
        Entry base = current != null ? current : new Entry(pid, epoch, List.of(), -1, -1);
        long ts = BatchFormat.maxTimestamp(header, at);
        producers.put(pid, base.with(epoch, meta, ts, Math.max(appendTime, ts)));
    }

    Entry entry(long producerId) {
        return producers.get(producerId);
    }

    /** Drops producers idle (by append time) for at least {@code expirationMs}. */
    void expire(long now, long expirationMs) {
        producers.values().removeIf(e -> now - e.lastAppendTime() >= expirationMs);
    }

    /** Drops producers whose every batch lies below the new log start offset, as Kafka does. */
    void truncateHead(long logStartOffset) {
        producers.values().removeIf(e -> e.lastOffset() < logStartOffset);
    }

    List<ProducerSnapshot> activeProducers() {
        List<ProducerSnapshot> out = new ArrayList<>();
        for (Entry e : producers.values()) {
            out.add(new ProducerSnapshot(e.producerId(), e.epoch(), e.lastSeq(), e.lastTimestamp(), -1, -1L));
        }
        out.sort(Comparator.comparingLong(ProducerSnapshot::producerId));
        return out;
    }

    /** Writes {@code <offset>.snapshot} and keeps only the two newest snapshots. */
    void writeSnapshot(long offset) throws IOException {
        List<Entry> entries = new ArrayList<>(producers.values());
        int bytes = 8;
        for (Entry e : entries) {
            bytes += 8 + 2 + 8 + 8 + 4 + e.batches().size() * 24;
        }
        ByteBuffer buf = ByteBuffer.allocate(bytes + 4);
        buf.putInt(SNAPSHOT_VERSION).putInt(entries.size());
        for (Entry e : entries) {
            buf.putLong(e.producerId()).putShort(e.epoch()).putLong(e.lastTimestamp()).putLong(e.lastAppendTime())
                    .putInt(e.batches().size());
            for (BatchMeta m : e.batches()) {
                buf.putInt(m.firstSeq()).putInt(m.lastSeq()).putLong(m.firstOffset()).putLong(m.lastOffset());
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, bytes);
        buf.putInt((int) crc.getValue());
        Checkpoints.writeAtomically(dir.resolve(LogSegment.fileName(offset, SUFFIX)), buf.flip());
        List<Long> offsets = snapshotOffsets();
        for (int i = 0; i < offsets.size() - 2; i++) {
            Files.deleteIfExists(dir.resolve(LogSegment.fileName(offsets.get(i), SUFFIX)));
        }
    }

    /**
     * Loads the newest readable snapshot at or below {@code logEndOffset}, deleting any above it.
     *
     * @return the snapshot's offset (replay batch headers from there), or -1 when none was usable
     */
    long loadSnapshot(long logEndOffset) throws IOException {
        producers.clear();
        List<Long> offsets = snapshotOffsets();
        for (int i = offsets.size() - 1; i >= 0; i--) {
            long offset = offsets.get(i);
            Path file = dir.resolve(LogSegment.fileName(offset, SUFFIX));
            if (offset > logEndOffset) {
                Files.deleteIfExists(file);
                continue;
            }
            Map<Long, Entry> loaded = readSnapshot(file);
            if (loaded != null) {
                producers.putAll(loaded);
                return offset;
            }
        }
        return -1;
    }

    private static Map<Long, Entry> readSnapshot(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 12) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if ((int) crc.getValue() != buf.getInt(bytes.length - 4) || buf.getInt() != SNAPSHOT_VERSION) {
            return null;
        }
        Map<Long, Entry> out = new HashMap<>();
        int count = buf.getInt();
        for (int i = 0; i < count; i++) {
            long pid = buf.getLong();
            short epoch = buf.getShort();
            long ts = buf.getLong();
            long appendTime = buf.getLong();
            int n = buf.getInt();
            List<BatchMeta> batches = new ArrayList<>(n);
            for (int j = 0; j < n; j++) {
                batches.add(new BatchMeta(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong()));
            }
            out.put(pid, new Entry(pid, epoch, List.copyOf(batches), ts, appendTime));
        }
        return out;
    }

    private List<Long> snapshotOffsets() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(SUFFIX) && n.length() == 20 + SUFFIX.length()
                            && n.substring(0, 20).chars().allMatch(Character::isDigit))
                    .map(n -> Long.parseLong(n.substring(0, 20)))
                    .sorted()
                    .toList();
        }
    }
}
