package io.dlog.kafka.share;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.apache.kafka.common.protocol.Errors;

/**
 * The delivery state of one share-partition (a share group's view of one topic partition, KIP-932): the
 * share-partition start offset (SPSO, every record below it is done), the next offset never acquired yet
 * (the end of the in-flight window), and for each in-flight offset its state, delivery count, owner and
 * acquisition-lock deadline.
 *
 * <p>Rules (Kafka's SharePartition): a record is acquired by one member at a time, for
 * {@code share.record.lock.duration.ms}; each acquisition counts one delivery; ACCEPT acknowledges it,
 * RELEASE (or the lock expiring, or its member leaving) makes it available again unless it has reached
 * {@code share.delivery.count.limit} deliveries, in which case it is archived, as is a REJECTed record.
 * New records are acquired only while the window holds fewer than {@code share.partition.max.record.locks}
 * offsets. The SPSO moves past acknowledged and archived records at the front of the window.
 *
 * <p>Thread-safety: every method is {@code synchronized}; callers read the log outside the lock and hand
 * the batches in, so no I/O happens under it. State writes are handed to the {@link ShareStateStore},
 * which never blocks.
 */
final class SharePartition {
    /** Kafka's RecordState ids; ACQUIRED is never persisted (it is written as AVAILABLE). */
    enum State {
        AVAILABLE(0), ACQUIRED(1), ACKNOWLEDGED(2), ARCHIVED(4);

        final byte id;

        State(int id) {
            this.id = (byte) id;
        }

        static State of(byte id) {
            for (State s : values()) {
                if (s.id == id) {
                    return s;
                }
            }
            return AVAILABLE;
        }
    }

    /** Kafka's AcknowledgeType ids on the wire. */
    static final byte GAP = 0;
    static final byte ACCEPT = 1;
    static final byte RELEASE = 2;
    static final byte REJECT = 3;
    static final byte RENEW = 4;

    /** A range of offsets acquired in one go, with the delivery count they share. */
    record Acquired(long firstOffset, long lastOffset, short deliveryCount) {
    }

    /** A persisted run of offsets with one state and delivery count (Kafka's state batch). */
    record StateBatch(long firstOffset, long lastOffset, byte deliveryState, short deliveryCount) {
    }

    /** What a batch read from the log is to the share-partition: its offset range and whether it is a control batch. */
    record BatchRange(long baseOffset, long lastOffset, boolean control) {
    }

    private static final class InFlight {
        State state;
        short deliveryCount;
        String member;
        long lockDeadline;

        InFlight(State state, short deliveryCount) {
            this.state = state;
            this.deliveryCount = deliveryCount;
        }
    }

    private final SharePartitionKey key;
    private final NavigableMap<Long, InFlight> inFlight = new TreeMap<>();
    private long startOffset;
    private long endOffset;
    private int stateEpoch;

    SharePartition(SharePartitionKey key, long startOffset, int stateEpoch, List<StateBatch> batches) {
        this.key = key;
        this.startOffset = startOffset;
        this.endOffset = startOffset;
        this.stateEpoch = stateEpoch;
        for (StateBatch batch : batches) {
            State state = State.of(batch.deliveryState());
            for (long o = Math.max(batch.firstOffset(), startOffset); o <= batch.lastOffset(); o++) {
                // An acquisition that was never acknowledged before a restart is available again.
                inFlight.put(o, new InFlight(state == State.ACQUIRED ? State.AVAILABLE : state, batch.deliveryCount()));
                endOffset = Math.max(endOffset, o + 1);
            }
        }
        advanceStart();
    }

    SharePartitionKey key() {
        return key;
    }

    synchronized long startOffset() {
        return startOffset;
    }

    synchronized int stateEpoch() {
        return stateEpoch;
    }

    /**
     * Where a read for acquisition should start: the first available in-flight record, else the end of the
     * window when new records below {@code maxOffset} may be taken; -1 when nothing can be acquired now.
     */
    synchronized long nextReadOffset(long maxOffset, int maxRecordLocks) {
        for (Map.Entry<Long, InFlight> e : inFlight.entrySet()) {
            if (e.getValue().state == State.AVAILABLE && e.getKey() < maxOffset) {
                return e.getKey();
            }
        }
        return endOffset < maxOffset && endOffset - startOffset < maxRecordLocks ? endOffset : -1;
    }

    /** Records below the log start offset are gone: the window moves up to it. */
    synchronized void onLogStart(long logStartOffset) {
        if (logStartOffset > startOffset) {
            inFlight.headMap(logStartOffset, false).clear();
            startOffset = logStartOffset;
            endOffset = Math.max(endOffset, logStartOffset);
            advanceStart();
        }
    }

    /**
     * Acquires for {@code member} the available and new records of {@code batches} (read from
     * {@link #nextReadOffset}), below {@code maxOffset} (the high watermark or last stable offset), at most
     * {@code maxRecords} (whole batches, so the last batch may pass it, unless {@code strict}). Control batches and {@code skipped}
     * batches (aborted transactions) are archived, never delivered.
     *
     * @return the acquired ranges, in offset order; the caller sends the batches overlapping them
     */
    synchronized List<Acquired> acquire(String member, List<BatchRange> batches, java.util.function.Predicate<BatchRange> skipped,
                                        long maxOffset, int maxRecords, boolean strict, int maxRecordLocks, long now,
                                        long lockMs, int deliveryLimit) {
        List<Acquired> acquired = new ArrayList<>();
        int count = 0;
        for (BatchRange batch : batches) {
            if (count >= maxRecords) {
                break;
            }
            if (batch.lastOffset() < startOffset || batch.baseOffset() >= maxOffset) {
                continue;
            }
            boolean deliverable = !batch.control() && !skipped.test(batch);
            boolean newRecords = batch.lastOffset() >= endOffset;
            if (newRecords && endOffset - startOffset >= maxRecordLocks && batch.baseOffset() >= endOffset) {
                break; // the window is full: no new records until the front is done
            }
            long last = Math.min(batch.lastOffset(), maxOffset - 1);
            for (long o = Math.max(batch.baseOffset(), startOffset); o <= last; o++) {
                if (strict && count >= maxRecords) {
                    last = o - 1; // record_limit mode: the rest of the batch stays unacquired
                    break;
                }
                InFlight record;
                if (o >= endOffset) {
                    record = new InFlight(State.AVAILABLE, (short) 0);
                    inFlight.put(o, record);
                    endOffset = o + 1;
                } else {
                    record = inFlight.get(o);
                    if (record == null || record.state != State.AVAILABLE) {
                        continue;
                    }
                }
                if (!deliverable) {
                    record.state = State.ARCHIVED;
                    continue;
                }
                if (record.deliveryCount >= deliveryLimit) {
                    record.state = State.ARCHIVED;
                    continue;
                }
                record.state = State.ACQUIRED;
                record.deliveryCount++;
                record.member = member;
                record.lockDeadline = now + lockMs;
                count++;
                append(acquired, o, record.deliveryCount);
            }
            // Offsets a batch does not cover before the window end (compacted gaps) hold nothing to deliver.
            endOffset = Math.max(endOffset, last + 1);
        }
        advanceStart();
        return acquired;
    }

    private static void append(List<Acquired> ranges, long offset, short deliveryCount) {
        if (!ranges.isEmpty()) {
            Acquired tail = ranges.get(ranges.size() - 1);
            if (tail.lastOffset() == offset - 1 && tail.deliveryCount() == deliveryCount) {
                ranges.set(ranges.size() - 1, new Acquired(tail.firstOffset(), offset, deliveryCount));
                return;
            }
        }
        ranges.add(new Acquired(offset, offset, deliveryCount));
    }

    /**
     * Applies one acknowledgement batch of {@code member}: {@code types} holds one type for the whole range or
     * one per offset. Every offset must be acquired by the member (Kafka: INVALID_RECORD_STATE otherwise);
     * nothing is applied unless all are.
     *
     * @return NONE, INVALID_REQUEST (malformed batch) or INVALID_RECORD_STATE
     */
    synchronized Errors acknowledge(String member, long firstOffset, long lastOffset, List<Byte> types, long now, long lockMs,
                                    int deliveryLimit) {
        if (lastOffset < firstOffset || types.isEmpty()
                || (types.size() != 1 && types.size() != lastOffset - firstOffset + 1)) {
            return Errors.INVALID_REQUEST;
        }
        for (byte type : types) {
            if (type < GAP || type > RENEW) {
                return Errors.INVALID_REQUEST;
            }
        }
        for (long o = firstOffset; o <= lastOffset; o++) {
            InFlight record = inFlight.get(o);
            if (record == null || record.state != State.ACQUIRED || !member.equals(record.member)) {
                return Errors.INVALID_RECORD_STATE;
            }
        }
        for (long o = firstOffset; o <= lastOffset; o++) {
            InFlight record = inFlight.get(o);
            byte type = types.size() == 1 ? types.get(0) : types.get((int) (o - firstOffset));
            switch (type) {
                case ACCEPT -> done(record, State.ACKNOWLEDGED);
                case GAP, REJECT -> done(record, State.ARCHIVED);
                case RELEASE -> release(record, deliveryLimit);
                default -> record.lockDeadline = now + lockMs; // RENEW: the member keeps it for another lock period
            }
        }
        advanceStart();
        return Errors.NONE;
    }

    /** Releases the records whose lock has expired. @return whether any was released */
    synchronized boolean expireLocks(long now, int deliveryLimit) {
        boolean changed = false;
        for (InFlight record : inFlight.values()) {
            if (record.state == State.ACQUIRED && record.lockDeadline <= now) {
                release(record, deliveryLimit);
                changed = true;
            }
        }
        if (changed) {
            advanceStart();
        }
        return changed;
    }

    /** Releases every record {@code member} holds (it left the group or closed its share session). */
    synchronized boolean releaseMember(String member, int deliveryLimit) {
        boolean changed = false;
        for (InFlight record : inFlight.values()) {
            if (record.state == State.ACQUIRED && member.equals(record.member)) {
                release(record, deliveryLimit);
                changed = true;
            }
        }
        if (changed) {
            advanceStart();
        }
        return changed;
    }

    /** Whether any record is acquired now (an empty group must not have any before its offsets change). */
    synchronized boolean anyAcquired() {
        for (InFlight record : inFlight.values()) {
            if (record.state == State.ACQUIRED) {
                return true;
            }
        }
        return false;
    }

    /** The state to persist: the SPSO and the in-flight runs (ACQUIRED written as AVAILABLE). */
    synchronized List<StateBatch> stateBatches() {
        List<StateBatch> batches = new ArrayList<>();
        Iterator<Map.Entry<Long, InFlight>> it = inFlight.entrySet().iterator();
        StateBatch open = null;
        while (it.hasNext()) {
            Map.Entry<Long, InFlight> e = it.next();
            State state = e.getValue().state == State.ACQUIRED ? State.AVAILABLE : e.getValue().state;
            short count = e.getValue().deliveryCount;
            if (open != null && open.lastOffset() == e.getKey() - 1 && open.deliveryState() == state.id
                    && open.deliveryCount() == count) {
                open = new StateBatch(open.firstOffset(), e.getKey(), state.id, count);
            } else {
                if (open != null) {
                    batches.add(open);
                }
                open = new StateBatch(e.getKey(), e.getKey(), state.id, count);
            }
        }
        if (open != null) {
            batches.add(open);
        }
        return batches;
    }

    /** How many offsets between the SPSO and the window end are not yet done (for lag reporting). */
    synchronized long inFlightCount() {
        return inFlight.values().stream().filter(r -> r.state == State.AVAILABLE || r.state == State.ACQUIRED).count();
    }

    private void done(InFlight record, State state) {
        record.state = state;
        record.member = null;
    }

    private static void release(InFlight record, int deliveryLimit) {
        record.state = record.deliveryCount >= deliveryLimit ? State.ARCHIVED : State.AVAILABLE;
        record.member = null;
    }

    private void advanceStart() {
        while (!inFlight.isEmpty()) {
            Map.Entry<Long, InFlight> first = inFlight.firstEntry();
            State state = first.getValue().state;
            if (state != State.ACKNOWLEDGED && state != State.ARCHIVED) {
                startOffset = first.getKey();
                return;
            }
            inFlight.pollFirstEntry();
        }
        startOffset = endOffset;
    }
}
