package io.dlog.log.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one pass of the cleaner knows about transactions, after Kafka's CleanedTransactionMetadata: fed the
 * batches in offset order, it says which data batches belong to an aborted transaction (their records go)
 * and which markers are removable (their transaction has no data left), and collects the aborted
 * transactions the cleaned segments' {@code .txnindex} must keep.
 *
 * <p>The aborted transactions come from the partition's aborted-transaction indexes. A marker is removable
 * when no batch of its transaction was met in this pass: an abort marker whose data was already removed,
 * a commit marker whose records compaction removed. The cleaner then stamps it with a delete horizon and a
 * pass after that horizon drops it, so read_committed consumers that fetched the data first still see the
 * marker in time (Kafka's rule).
 *
 * <p>Not thread-safe: one per pass.
 */
final class CleanedTransactions {
    private final List<TxnIndex.Entry> aborted;
    private int next;
    private final Map<Long, TxnIndex.Entry> ongoingAborted = new HashMap<>();
    private final Set<Long> abortedWithData = new HashSet<>();
    private final Set<Long> ongoingCommitted = new HashSet<>();

    /** @param aborted every aborted transaction of the partition (any order) */
    CleanedTransactions(List<TxnIndex.Entry> aborted) {
        this.aborted = new ArrayList<>(aborted);
        this.aborted.sort(Comparator.comparingLong(TxnIndex.Entry::firstOffset));
    }

    static CleanedTransactions of(Iterable<LogSegment> segments) {
        List<TxnIndex.Entry> all = new ArrayList<>();
        for (LogSegment seg : segments) {
            all.addAll(seg.txnIndex().all());
        }
        return new CleanedTransactions(all);
    }

    private void consumeUpTo(long offset) {
        while (next < aborted.size() && aborted.get(next).firstOffset() <= offset) {
            TxnIndex.Entry e = aborted.get(next++);
            ongoingAborted.put(e.producerId(), e);
            abortedWithData.remove(e.producerId());
        }
    }

    /** A data batch was read: true when it belongs to an aborted transaction (its records are removed). */
    boolean onDataBatch(ByteBuffer batch) {
        long base = BatchFormat.baseOffset(batch, 0);
        consumeUpTo(base + BatchFormat.lastOffsetDelta(batch, 0));
        if (!BatchFormat.isTransactional(batch, 0)) {
            return false;
        }
        long pid = BatchFormat.producerId(batch, 0);
        TxnIndex.Entry e = ongoingAborted.get(pid);
        if (e != null && base >= e.firstOffset() && base < e.lastOffset()) {
            abortedWithData.add(pid);
            return true;
        }
        ongoingCommitted.add(pid);
        return false;
    }

    /**
     * A marker was read: true when its transaction had no data in this pass, so the marker may go once its
     * delete horizon passed. An abort marker that is kept with data before it returns its aborted
     * transaction through {@code keptAbort}.
     */
    boolean onControlBatch(ByteBuffer batch, List<TxnIndex.Entry> keptAbort) {
        long base = BatchFormat.baseOffset(batch, 0);
        consumeUpTo(base + BatchFormat.lastOffsetDelta(batch, 0));
        long pid = BatchFormat.producerId(batch, 0);
        int type;
        try {
            type = BatchFormat.marker(batch, 0, batch.limit())[0];
        } catch (IllegalArgumentException e) {
            return false; // unreadable: keep it
        }
        if (type == BatchFormat.CONTROL_ABORT) {
            TxnIndex.Entry e = ongoingAborted.remove(pid);
            boolean hadData = abortedWithData.remove(pid);
            if (e != null && hadData) {
                keptAbort.add(e);
                return false;
            }
            return true;
        }
        return !ongoingCommitted.remove(pid);
    }
}
