package io.dlog.log.internal;

import io.dlog.log.AppendError;
import io.dlog.log.ProducerSnapshot;
import io.dlog.log.VerificationGuard;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * Integer.MAX_VALUE).
 *
 * <p>Where DLog is stricter than Kafka: an unknown producer must start at sequence 0 while this partition has
 * forgotten no producer ({@link #forgetsNone}: none expired, evicted or cut off with the log's head, since the
 * log began at offset 0) and is not compacted. There a first batch above 0 means the producer's earlier batches are still on their way,
 * typically refused a moment ago (NOT_LEADER_OR_FOLLOWER while a new leader got ready, NOT_ENOUGH_REPLICAS) and
 * being retried. Kafka accepts it, after which the retried earlier batch is out of sequence for good and the Java
 * client retries it until delivery.timeout.ms fails it. Refused OUT_OF_ORDER_SEQUENCE_NUMBER, the later batch is
 * retried by the client after the earlier one (its sequence is not the next it expects acknowledged), and both
 * are written in order. Once the partition may have forgotten a producer, Kafka's rule applies: the producer could
 * be one whose state was lost. A request is checked as a whole against staged state and only committed after
 * its bytes are written, so a refused request changes nothing.
 *
 * <p>Transactions: a transactional batch opens the producer's transaction on this partition (its first
 * offset is kept until a marker ends it); a control batch (commit or abort marker, written by the
 * transaction coordinator as an ordinary append) ends it, may bump the producer epoch and must not come
 * from an older coordinator epoch (TRANSACTION_COORDINATOR_FENCED). The earliest open transaction (or
 * completed one whose marker is not yet below the high watermark) is the first unstable offset, which
 * bounds the last stable offset. An abort produces a {@link TxnIndex} entry.
 *
 * <p>Persistence: {@code <offset>.snapshot} files (written at roll and close, CRC32C-protected); on open
 * the newest usable snapshot is loaded and batch headers after it are replayed ({@link #replay}).
 *
 * <p>Bound (KIP-936's concern: a client that starts a new idempotent producer per message grows this
 * state without limit until producer.id.expiration.ms): at most {@code maxProducers} ids per partition.
 * Past it the producer that appended least recently and is not inside a transaction is forgotten early,
 * exactly as if its state had expired (a retry of its last batches would no longer be recognised as a
 * duplicate). A new producer is refused (THROTTLING_QUOTA_EXCEEDED, retriable) only when every kept
 * producer is inside a transaction, which the transaction timeout ends.
 *
 * <p>Thread-safety: mutated only by the partition's writer thread; entries are immutable and kept in a
 * concurrent map so {@link #activeProducers()} may run on any thread.
 */
final class ProducerStateManager {
    static final int CACHED_BATCHES = 5;
    private static final int NO_SEQUENCE = -1;
    private static final int SNAPSHOT_VERSION = 3;
    private static final String SUFFIX = ".snapshot";

    record BatchMeta(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    /**
     * @param txnFirstOffset   first offset of the producer's open transaction on this partition, or -1
     * @param coordinatorEpoch coordinator epoch of the producer's last marker, or -1
     */
    record Entry(long producerId, short epoch, List<BatchMeta> batches, long lastTimestamp, long lastAppendTime,
                 long txnFirstOffset, int coordinatorEpoch) {
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
            return new Entry(producerId, newEpoch, List.copyOf(list), timestamp, appendTime, txnFirstOffset,
                    coordinatorEpoch);
        }

        Entry inTransaction(long firstOffset) {
            return txnFirstOffset >= 0 ? this : new Entry(producerId, epoch, batches, lastTimestamp, lastAppendTime,
                    firstOffset, coordinatorEpoch);
        }

        /** After a marker: no open transaction; a higher epoch forgets the old epoch's sequences. */
        Entry afterMarker(short markerEpoch, int markerCoordinatorEpoch, long timestamp, long appendTime) {
            List<BatchMeta> kept = markerEpoch == epoch ? batches : List.of();
            return new Entry(producerId, (short) Math.max(epoch, markerEpoch), kept, timestamp, appendTime, -1,
                    markerCoordinatorEpoch);
        }
    }

    /** A transaction ended by a marker at {@code markerOffset}. */
    record CompletedTxn(long producerId, short epoch, long firstOffset, long markerOffset, boolean aborted) {
    }

    /** A checked request: an error, a duplicate (original offsets), or updates to commit after the write. */
    record Staged(AppendError error, String message, BatchMeta duplicate, Map<Long, Entry> updates,
                  List<CompletedTxn> completed) {
        static Staged refuse(AppendError error, String message) {
            return new Staged(error, message, null, null, List.of());
        }
    }

    /** Kafka has no per-partition bound; this one is DLog's (dlog.producer.ids.per.partition.max). */
    static final int DEFAULT_MAX_PRODUCERS = io.dlog.log.LogManagerConfig.DEFAULT_MAX_PRODUCER_IDS_PER_PARTITION;

    private final Path dir;
    private final int maxProducers;
    private final Map<Long, Entry> producers = new ConcurrentHashMap<>();
    /** Producer ids, least recently written first (writer only): the eviction order past the bound. */
    private final LinkedHashSet<Long> byLastWrite = new LinkedHashSet<>();
    private long evicted;
    /** Open transactions by first offset (writer only). */
    private final TreeMap<Long, Long> ongoing = new TreeMap<>();
    /**
     * A transaction check in progress for a producer (Kafka's VerificationStateEntry): the guard its append must
     * carry, the highest producer epoch it was started for and the lowest sequence started at that epoch, and
     * whether that producer bumps its epoch at every transaction's end (transaction version 2), so that a marker
     * at the guard's epoch ends the previous transaction, not the one being checked.
     *
     * <p>The lowest sequence blocks later batches while an earlier one is still being checked: when the check of a
     * transaction's first batch fails retriably (CONCURRENT_TRANSACTIONS while the previous transaction completes)
     * and the next batch's check passes, writing the next batch would make the first one out of sequence forever,
     * a loop the client never leaves. So a batch above the lowest sequence is refused OUT_OF_ORDER_SEQUENCE_NUMBER
     * (the client retries it after the first one), as in Kafka.
     */
    private record Verification(VerificationGuard guard, short epoch, int lowestSeq, boolean epochBumps) {
        /** Kafka's maybeUpdateLowestSequenceAndEpoch: a lower sequence at this epoch, or a newer epoch. */
        Verification seen(int sequence, short batchEpoch) {
            if (batchEpoch > epoch) {
                return new Verification(guard, batchEpoch, sequence, epochBumps);
            }
            return batchEpoch == epoch && sequence < lowestSeq ? new Verification(guard, epoch, sequence, epochBumps) : this;
        }
    }

    /**
     * Checks in progress (KIP-890, {@link VerificationGuard}): started by any thread, withdrawn by the writer when
     * the producer's transaction starts or ends here. A key's entry changes only inside the map's atomic per-key
     * operations, so a check starting and a marker withdrawing it are ordered.
     */
    private final Map<Long, Verification> verifications = new ConcurrentHashMap<>();
    /** Completed transactions whose marker is not yet below the high watermark: {first, marker} (writer only). */
    private final ArrayDeque<long[]> unstableCompleted = new ArrayDeque<>();
    /**
     * True while every producer that ever wrote to this log since offset 0 is in {@link #producers} (writer only;
     * persisted in snapshots from version 3 on). Cleared for good by any forgetting: expiry, eviction past the
     * bound, the log's head cut, a log that starts above 0, a snapshot too old to say.
     */
    private boolean forgetsNone = true;

    ProducerStateManager(Path dir) {
        this(dir, DEFAULT_MAX_PRODUCERS);
    }

    ProducerStateManager(Path dir, int maxProducers) {
        this.dir = dir;
        this.maxProducers = maxProducers;
    }

    /** Producers whose state is kept. Any thread. */
    int size() {
        return producers.size();
    }

    /**
     * The guard an append of the producer's first transactional batch must carry, or {@link VerificationGuard#SENTINEL}
     * when its transaction is open here at {@code epoch} already (as Kafka's maybeStartTransactionVerification). Any
     * thread: the producer's entry may be a moment stale, which errs towards a refusal, never towards a batch
     * opening a transaction unchecked.
     */
    VerificationGuard startVerification(long producerId, int sequence, short epoch, boolean epochBumps) {
        Entry current = producers.get(producerId);
        if (current != null && current.txnFirstOffset() >= 0 && current.epoch() == epoch) {
            return VerificationGuard.SENTINEL;
        }
        return verifications.compute(producerId, (pid, v) -> v == null
                ? new Verification(VerificationGuard.forProducer(pid), epoch, sequence, epochBumps)
                : v.seen(sequence, epoch)).guard();
    }

    /** The guard held for the producer, or null. */
    private VerificationGuard heldGuard(long producerId) {
        Verification v = verifications.get(producerId);
        return v == null ? null : v.guard();
    }

    /** Producers forgotten early because the bound was reached (writer only). */
    long evictedByBound() {
        return evicted;
    }

    /**
     * Checks every idempotent batch of a request in order against the state staged so far.
     *
     * @param firstOffsets the offset each batch will get if the request is written
     * @param guard        the guard of the append's transaction check, or null for an append that was not checked
     *                     (not a client's transactional produce)
     * @param compacted    the log is compacted: a replica that replays it from offset 0 cannot tell whether the
     *                     cleaner removed the batches of a producer forgotten elsewhere, so Kafka's rule for unknown
     *                     producers applies there
     */
    Staged stage(ByteBuffer buf, int[] positions, long[] firstOffsets, long now, VerificationGuard guard,
                 boolean compacted) {
        Map<Long, Entry> staged = new HashMap<>();
        List<CompletedTxn> completed = new ArrayList<>();
        int idempotent = 0;
        List<BatchMeta> dups = new ArrayList<>();
        for (int i = 0; i < positions.length; i++) {
            int at = positions[i];
            long pid = BatchFormat.producerId(buf, at);
            if (pid >= 0 && BatchFormat.isControl(buf, at)) {
                Staged refused = stageMarker(buf, at, firstOffsets[i], now, staged, completed);
                if (refused != null) {
                    return refused;
                }
                continue;
            }
            if (pid < 0 || BatchFormat.isControl(buf, at)) {
                continue;
            }
            short epoch = BatchFormat.producerEpoch(buf, at);
            int firstSeq = BatchFormat.baseSequence(buf, at);
            if (firstSeq == NO_SEQUENCE && BatchFormat.isTransactional(buf, at)) {
                // Written by a coordinator (transactional offsets), not by a client: no sequence to check.
                Staged refused = stageUnsequenced(pid, epoch, firstOffsets[i], staged, guard);
                if (refused != null) {
                    return refused;
                }
                continue;
            }
            idempotent++;
            int lastSeq = BatchFormat.incrementSequence(firstSeq, BatchFormat.lastOffsetDelta(buf, at));
            Entry current = staged.containsKey(pid) ? staged.get(pid) : producers.get(pid);
            BatchMeta dup = current == null ? null : current.findDuplicate(epoch, firstSeq, lastSeq);
            if (dup != null) {
                dups.add(dup);
                continue;
            }
            String problem = checkVerifiedSequence(verifications.get(pid), current, firstSeq);
            if (problem == null) {
                problem = checkSequence(current, epoch, firstSeq, forgetsNone && !compacted);
            }
            if (problem != null) {
                AppendError error = current != null && epoch < current.epoch()
                        ? AppendError.INVALID_PRODUCER_EPOCH : AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER;
                return Staged.refuse(error, problem);
            }
            if (current == null && !hasRoomForNewProducer(staged)) {
                return Staged.refuse(AppendError.THROTTLING_QUOTA_EXCEEDED, "partition holds " + producers.size()
                        + " producers, all inside transactions (bound " + maxProducers + "); retry later");
            }
            boolean transactional = BatchFormat.isTransactional(buf, at);
            if (!transactional && current != null && current.txnFirstOffset() >= 0) {
                return Staged.refuse(AppendError.INVALID_TXN_STATE,
                        "non-transactional batch from producer " + pid + " inside a transaction");
            }
            boolean opensTransaction = transactional && (current == null || current.txnFirstOffset() < 0);
            if (opensTransaction && guard != null && heldGuard(pid) != guard) {
                return Staged.refuse(AppendError.INVALID_TXN_STATE, "the transaction of producer " + pid
                        + " ended after this partition was verified in it; the batch would start a transaction"
                        + " its coordinator does not know");
            }
            Entry base = current != null ? current : newEntry(pid, epoch);
            long first = firstOffsets[i];
            BatchMeta meta = new BatchMeta(firstSeq, lastSeq, first, first + BatchFormat.lastOffsetDelta(buf, at));
            Entry next = base.with(epoch, meta, BatchFormat.maxTimestamp(buf, at), now);
            staged.put(pid, transactional ? next.inTransaction(first) : next);
        }
        if (dups.isEmpty()) {
            return new Staged(null, null, null, staged, completed);
        }
        if (dups.size() == positions.length && idempotent == positions.length) {
            BatchMeta range = new BatchMeta(dups.get(0).firstSeq(), dups.get(dups.size() - 1).lastSeq(),
                    dups.get(0).firstOffset(), dups.get(dups.size() - 1).lastOffset());
            return new Staged(null, null, range, Map.of(), List.of());
        }
        return Staged.refuse(AppendError.OUT_OF_ORDER_SEQUENCE_NUMBER, "request mixes duplicate and new batches");
    }

    /** Room for one more producer: under the bound, or one (not staged by this request) can be evicted. */
    private boolean hasRoomForNewProducer(Map<Long, Entry> staged) {
        long newInRequest = staged.keySet().stream().filter(pid -> !producers.containsKey(pid)).count();
        if (producers.size() + newInRequest < maxProducers) {
            return true;
        }
        return producers.size() - ongoing.size() > staged.size();
    }

    private Staged stageUnsequenced(long pid, short epoch, long offset, Map<Long, Entry> staged, VerificationGuard guard) {
        Entry current = staged.containsKey(pid) ? staged.get(pid) : producers.get(pid);
        if (current != null && epoch < current.epoch()) {
            return Staged.refuse(AppendError.INVALID_PRODUCER_EPOCH, "producer epoch " + epoch + " is older than "
                    + current.epoch());
        }
        boolean opensTransaction = current == null || current.txnFirstOffset() < 0;
        if (opensTransaction && guard != null && heldGuard(pid) != guard) {
            // a coordinator's write checked for a transaction that has ended since (Kafka checks COORDINATOR appends too)
            return Staged.refuse(AppendError.INVALID_TXN_STATE, "the transaction of producer " + pid
                    + " ended after this partition was verified in it");
        }
        Entry base = current == null ? newEntry(pid, epoch)
                : current.epoch() == epoch ? current : current.afterMarker(epoch, current.coordinatorEpoch(), -1, -1);
        staged.put(pid, base.inTransaction(offset));
        return null;
    }

    private static Entry newEntry(long pid, short epoch) {
        return new Entry(pid, epoch, List.of(), -1, -1, -1, -1);
    }

    /**
     * A commit or abort marker: refused from an older producer epoch (a zombie's coordinator) or an older
     * coordinator epoch (a deposed coordinator), as Kafka's appendEndTxnMarker; else it ends the open
     * transaction (a marker without one completes an empty transaction at its own offset, as in Kafka).
     */
    private Staged stageMarker(ByteBuffer buf, int at, long offset, long now, Map<Long, Entry> staged,
                               List<CompletedTxn> completed) {
        long pid = BatchFormat.producerId(buf, at);
        short epoch = BatchFormat.producerEpoch(buf, at);
        int[] marker;
        try {
            marker = BatchFormat.marker(buf, at, BatchFormat.totalSize(buf, at));
        } catch (IllegalArgumentException e) {
            return Staged.refuse(AppendError.CORRUPT_MESSAGE, "bad transaction marker: " + e.getMessage());
        }
        Entry current = staged.containsKey(pid) ? staged.get(pid) : producers.get(pid);
        if (current != null && epoch < current.epoch()) {
            return Staged.refuse(AppendError.INVALID_PRODUCER_EPOCH, "marker epoch " + epoch
                    + " is older than producer " + pid + "'s epoch " + current.epoch());
        }
        if (current != null && marker[1] < current.coordinatorEpoch()) {
            return Staged.refuse(AppendError.TRANSACTION_COORDINATOR_FENCED, "coordinator epoch " + marker[1]
                    + " is older than " + current.coordinatorEpoch());
        }
        Entry base = current != null ? current : newEntry(pid, epoch);
        long first = base.txnFirstOffset() >= 0 ? base.txnFirstOffset() : offset;
        completed.add(new CompletedTxn(pid, epoch, first, offset, marker[0] == BatchFormat.CONTROL_ABORT));
        staged.put(pid, base.afterMarker(epoch, marker[1], BatchFormat.maxTimestamp(buf, at), now));
        return null;
    }

    /**
     * Kafka's two sequence rules while a check of the producer is in progress (null when they pass): with
     * transaction version 2 a producer without sequences here starts at 0, and no batch may pass the lowest
     * sequence still being checked.
     */
    private static String checkVerifiedSequence(Verification v, Entry current, int firstSeq) {
        if (v == null) {
            return null;
        }
        if (v.epochBumps() && firstSeq != 0 && (current == null || current.batches().isEmpty())) {
            return "sequence " + firstSeq + " where a transaction version 2 producer without state here starts at 0";
        }
        return firstSeq > v.lowestSeq() ? "sequence " + firstSeq + " is above sequence " + v.lowestSeq()
                + ", whose transaction check is still in progress" : null;
    }

    /** Null when the batch may follow the producer's state. */
    private static String checkSequence(Entry current, short epoch, int firstSeq, boolean strictForUnknown) {
        if (current == null) {
            return firstSeq == 0 || !strictForUnknown ? null : "sequence " + firstSeq + " from a producer with no state on "
                    + "this partition, which has forgotten no producer: its first batch here has sequence 0 and is "
                    + "still to come";
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

    /**
     * Makes a staged request's state current after its bytes are written; returns the aborted
     * transactions to record in the active segment's {@link TxnIndex}.
     *
     * @param highWatermark the high watermark after the write (markers at or above it stay unstable)
     */
    List<TxnIndex.Entry> commit(Staged staged, long highWatermark) {
        for (Entry e : staged.updates().values()) {
            put(e);
            if (e.txnFirstOffset() >= 0) {
                verifications.remove(e.producerId()); // its transaction is open here now: no check needed
            }
        }
        evictBeyondBound(staged.updates().keySet());
        if (staged.completed().isEmpty()) {
            return List.of();
        }
        List<TxnIndex.Entry> aborted = new ArrayList<>();
        for (CompletedTxn txn : staged.completed()) {
            // The transaction ended: an append checked for it and still on its way must not open another one. With
            // transaction version 2 a marker at the guard's epoch is the previous transaction's end (the epoch was
            // bumped for it, and the next transaction's first batch was read before it landed): the guard stays.
            verifications.computeIfPresent(txn.producerId(), (pid, v) ->
                    v.epochBumps() && v.epoch() == txn.epoch() ? v : null);
            if (txn.markerOffset() >= highWatermark) {
                unstableCompleted.add(new long[] {txn.firstOffset(), txn.markerOffset()});
            }
            if (txn.aborted()) {
                long lso = ongoing.isEmpty() ? txn.markerOffset() + 1 : Math.min(ongoing.firstKey(), txn.markerOffset() + 1);
                aborted.add(new TxnIndex.Entry(txn.producerId(), txn.firstOffset(), txn.markerOffset(), lso));
            }
        }
        return aborted;
    }

    /**
     * Forgets the least recently written producers outside transactions while above the bound, never one
     * of {@code keep} (just written). Writer only.
     */
    private void evictBeyondBound(Collection<Long> keep) {
        if (producers.size() <= maxProducers) {
            return;
        }
        Iterator<Long> oldestFirst = byLastWrite.iterator();
        while (producers.size() > maxProducers && oldestFirst.hasNext()) {
            long pid = oldestFirst.next();
            Entry e = producers.get(pid);
            if (e != null && e.txnFirstOffset() < 0 && !keep.contains(pid)) {
                oldestFirst.remove();
                producers.remove(pid);
                evicted++;
                forgetsNone = false;
            }
        }
    }

    /** Replaces a producer's entry, keeping the open-transaction map and the write order in step. Writer only. */
    private void put(Entry e) {
        byLastWrite.remove(e.producerId());
        byLastWrite.add(e.producerId());
        Entry old = producers.put(e.producerId(), e);
        if (old != null && old.txnFirstOffset() >= 0 && old.txnFirstOffset() != e.txnFirstOffset()) {
            ongoing.remove(old.txnFirstOffset());
        }
        if (e.txnFirstOffset() >= 0) {
            ongoing.put(e.txnFirstOffset(), e.producerId());
        }
    }

    private void remove(Entry e) {
        forgetsNone = false;
        producers.remove(e.producerId());
        byLastWrite.remove(e.producerId());
        if (e.txnFirstOffset() >= 0) {
            ongoing.remove(e.txnFirstOffset());
        }
    }

    /** Completed transactions whose marker fell below the high watermark become stable. Writer only. */
    void onHighWatermark(long highWatermark) {
        unstableCompleted.removeIf(t -> t[1] < highWatermark);
    }

    /** First offset of the earliest transaction not yet stable, or Long.MAX_VALUE. Writer only. */
    long firstUnstableOffset() {
        long first = ongoing.isEmpty() ? Long.MAX_VALUE : ongoing.firstKey();
        for (long[] t : unstableCompleted) {
            first = Math.min(first, t[0]);
        }
        return first;
    }

    /**
     * Applies a stored batch without checks (recovery). A control batch must be passed whole (its marker
     * record is read); others need only the header.
     *
     * @return the aborted transaction to index when the batch is an abort marker, else null
     */
    TxnIndex.Entry replay(ByteBuffer batch, int at, long appendTime) {
        long pid = BatchFormat.producerId(batch, at);
        if (pid < 0) {
            return null;
        }
        short epoch = BatchFormat.producerEpoch(batch, at);
        Entry current = producers.get(pid);
        long first = BatchFormat.baseOffset(batch, at);
        long ts = BatchFormat.maxTimestamp(batch, at);
        if (BatchFormat.isControl(batch, at)) {
            int[] marker = BatchFormat.marker(batch, at, BatchFormat.totalSize(batch, at));
            Entry base = current != null ? current : newEntry(pid, epoch);
            long txnFirst = base.txnFirstOffset() >= 0 ? base.txnFirstOffset() : first;
            put(base.afterMarker(epoch, marker[1], ts, Math.max(appendTime, ts)));
            if (marker[0] != BatchFormat.CONTROL_ABORT) {
                return null;
            }
            long lso = ongoing.isEmpty() ? first + 1 : Math.min(ongoing.firstKey(), first + 1);
            return new TxnIndex.Entry(pid, txnFirst, first, lso);
        }
        if (current != null && epoch < current.epoch()) {
            return null;
        }
        int firstSeq = BatchFormat.baseSequence(batch, at);
        if (firstSeq == NO_SEQUENCE && BatchFormat.isTransactional(batch, at)) {
            Entry base = current == null ? newEntry(pid, epoch)
                    : current.epoch() == epoch ? current : current.afterMarker(epoch, current.coordinatorEpoch(), ts, appendTime);
            put(base.inTransaction(first));
            return null;
        }
        int delta = BatchFormat.lastOffsetDelta(batch, at);
        BatchMeta meta = new BatchMeta(firstSeq, BatchFormat.incrementSequence(firstSeq, delta), first, first + delta);
        Entry base = current != null ? current : newEntry(pid, epoch);
        Entry next = base.with(epoch, meta, ts, Math.max(appendTime, ts));
        put(BatchFormat.isTransactional(batch, at) ? next.inTransaction(first) : next);
        if (current == null) {
            evictBeyondBound(List.of(pid)); // replay never refuses: the leader accepted the batch
        }
        return null;
    }

    /**
     * A follower's append: the leader's batches applied as recovery applies stored ones ({@link #replay}),
     * without sequence or epoch checks (the leader made them; Kafka's REPLICATION origin does the same), so
     * the follower's state is the one the leader's recovery would rebuild. A marker at or above the high
     * watermark keeps its transaction unstable, as {@link #commit} does on the leader. Control batches must
     * be whole. Writer only.
     *
     * @return the aborted transactions to record in the active segment's {@link TxnIndex}, in order
     */
    List<TxnIndex.Entry> applyReplicated(ByteBuffer buf, int[] positions, long appendTime, long highWatermark) {
        List<TxnIndex.Entry> aborted = new ArrayList<>();
        for (int at : positions) {
            long pid = BatchFormat.producerId(buf, at);
            if (pid >= 0 && BatchFormat.isControl(buf, at)) {
                long markerOffset = BatchFormat.baseOffset(buf, at);
                Entry current = producers.get(pid);
                long first = current != null && current.txnFirstOffset() >= 0 ? current.txnFirstOffset() : markerOffset;
                if (markerOffset >= highWatermark) {
                    unstableCompleted.add(new long[] {first, markerOffset});
                }
            }
            TxnIndex.Entry entry = replay(buf, at, appendTime);
            if (entry != null) {
                aborted.add(entry);
            }
        }
        return aborted;
    }

    Entry entry(long producerId) {
        return producers.get(producerId);
    }

    /**
     * Drops producers idle (by append time) for at least {@code expirationMs}; never one inside a
     * transaction (Kafka's rule: its marker must still find it).
     */
    void expire(long now, long expirationMs) {
        for (Entry e : List.copyOf(producers.values())) {
            if (e.txnFirstOffset() < 0 && now - e.lastAppendTime() >= expirationMs) {
                remove(e);
            }
        }
        // A guard whose check never led to an append (refused, or the producer went away) goes the same way.
        verifications.values().removeIf(v -> now - v.guard().createdMs() >= expirationMs);
    }

    /** Drops producers whose every batch lies below the new log start offset, as Kafka does. */
    void truncateHead(long logStartOffset) {
        for (Entry e : List.copyOf(producers.values())) {
            if (e.lastOffset() < logStartOffset && (e.txnFirstOffset() < 0 || e.txnFirstOffset() < logStartOffset)) {
                remove(e);
            }
        }
    }

    /**
     * Where to replay batch headers from after {@link #loadSnapshot}: the snapshot's offset, or, without one, the
     * log's first batch, in which case producers that only wrote below it are unknown. Writer only.
     */
    long replayStart(long snapshotOffset, long firstBatchOffset) {
        if (snapshotOffset >= 0) {
            return snapshotOffset;
        }
        if (firstBatchOffset > 0) {
            forgetsNone = false;
        }
        return firstBatchOffset;
    }

    /** Producer id → last offset of its last batch: the batches the cleaner must keep. Any thread. */
    Map<Long, Long> lastBatchOffsets() {
        Map<Long, Long> out = new HashMap<>();
        for (Entry e : producers.values()) {
            out.put(e.producerId(), e.lastOffset());
        }
        return out;
    }

    List<ProducerSnapshot> activeProducers() {
        List<ProducerSnapshot> out = new ArrayList<>();
        for (Entry e : producers.values()) {
            out.add(new ProducerSnapshot(e.producerId(), e.epoch(), e.lastSeq(), e.lastTimestamp(), e.coordinatorEpoch(),
                    e.txnFirstOffset()));
        }
        out.sort(Comparator.comparingLong(ProducerSnapshot::producerId));
        return out;
    }

    /** Writes {@code <offset>.snapshot} and keeps only the two newest snapshots. */
    void writeSnapshot(long offset) throws IOException {
        List<Entry> entries = new ArrayList<>(producers.values());
        int bytes = 9;
        for (Entry e : entries) {
            bytes += 8 + 2 + 8 + 8 + 8 + 4 + 4 + e.batches().size() * 24;
        }
        ByteBuffer buf = ByteBuffer.allocate(bytes + 4);
        buf.putInt(SNAPSHOT_VERSION).putInt(entries.size());
        for (Entry e : entries) {
            buf.putLong(e.producerId()).putShort(e.epoch()).putLong(e.lastTimestamp()).putLong(e.lastAppendTime())
                    .putLong(e.txnFirstOffset()).putInt(e.coordinatorEpoch()).putInt(e.batches().size());
            for (BatchMeta m : e.batches()) {
                buf.putInt(m.firstSeq()).putInt(m.lastSeq()).putLong(m.firstOffset()).putLong(m.lastOffset());
            }
        }
        buf.put((byte) (forgetsNone ? 1 : 0));
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), 0, bytes);
        buf.putInt((int) crc.getValue());
        Checkpoints.writeAtomically(dir.resolve(LogSegment.fileName(offset, SUFFIX)), buf.flip());
        List<Long> offsets = snapshotOffsets();
        for (int i = 0; i < offsets.size() - 2; i++) {
            FileIo.deleteIfExists(dir.resolve(LogSegment.fileName(offsets.get(i), SUFFIX)));
        }
    }

    /**
     * Loads the newest readable snapshot at or below {@code logEndOffset}, deleting any above it.
     *
     * @return the snapshot's offset (replay batch headers from there), or -1 when none was usable
     */
    long loadSnapshot(long logEndOffset) throws IOException {
        return loadSnapshot(logEndOffset, logEndOffset);
    }

    /**
     * As {@link #loadSnapshot(long)}, loading the newest readable snapshot at or below {@code atOrBelow}
     * and keeping (not loading) those between it and the log end: a replicated partition replays from its
     * high watermark so that transactions completed above it stay unstable.
     */
    long loadSnapshot(long logEndOffset, long atOrBelow) throws IOException {
        producers.clear();
        byLastWrite.clear();
        ongoing.clear();
        unstableCompleted.clear();
        List<Long> offsets = snapshotOffsets();
        for (int i = offsets.size() - 1; i >= 0; i--) {
            long offset = offsets.get(i);
            Path file = dir.resolve(LogSegment.fileName(offset, SUFFIX));
            if (offset > logEndOffset) {
                FileIo.deleteIfExists(file);
                continue;
            }
            if (offset > atOrBelow) {
                continue;
            }
            Snapshot loaded = readSnapshot(file);
            if (loaded != null) {
                forgetsNone = loaded.forgetsNone();
                // oldest writer first, so the eviction order survives a restart
                loaded.entries().values().stream().sorted(Comparator.comparingLong(Entry::lastAppendTime)).forEach(this::put);
                evictBeyondBound(List.of());
                return offset;
            }
        }
        forgetsNone = true; // the caller replays from the log's first batch: see replayStart
        return -1;
    }

    /**
     * The log was emptied (replica truncation to nothing) and starts again at {@code startOffset}: no producer, no
     * snapshot. Writer only.
     */
    void truncateFully(long startOffset) throws IOException {
        forgetsNone = startOffset == 0;
        producers.clear();
        byLastWrite.clear();
        ongoing.clear();
        unstableCompleted.clear();
        for (long offset : snapshotOffsets()) {
            FileIo.deleteIfExists(dir.resolve(LogSegment.fileName(offset, SUFFIX)));
        }
    }

    /** A snapshot's producers, and whether the partition had forgotten none (false before version 3: unknown). */
    private record Snapshot(Map<Long, Entry> entries, boolean forgetsNone) {
    }

    private static Snapshot readSnapshot(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 12) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        if ((int) crc.getValue() != buf.getInt(bytes.length - 4)) {
            return null;
        }
        int version = buf.getInt();
        if (version < 1 || version > SNAPSHOT_VERSION) {
            return null;
        }
        Map<Long, Entry> out = new HashMap<>();
        int count = buf.getInt();
        for (int i = 0; i < count; i++) {
            long pid = buf.getLong();
            short epoch = buf.getShort();
            long ts = buf.getLong();
            long appendTime = buf.getLong();
            long txnFirstOffset = version >= 2 ? buf.getLong() : -1;
            int coordinatorEpoch = version >= 2 ? buf.getInt() : -1;
            int n = buf.getInt();
            List<BatchMeta> batches = new ArrayList<>(n);
            for (int j = 0; j < n; j++) {
                batches.add(new BatchMeta(buf.getInt(), buf.getInt(), buf.getLong(), buf.getLong()));
            }
            out.put(pid, new Entry(pid, epoch, List.copyOf(batches), ts, appendTime, txnFirstOffset, coordinatorEpoch));
        }
        boolean forgetsNone = version >= 3 && buf.get() == 1;
        return new Snapshot(out, forgetsNone);
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
