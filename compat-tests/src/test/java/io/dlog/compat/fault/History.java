package io.dlog.compat.fault;

import java.util.ArrayList;
import java.util.List;

/**
 * The record of a fault run: every send and its outcome, every poll, the final read and the nemesis's actions,
 * in the order they were recorded. Appends from producer callbacks, consumer threads and the nemesis are
 * serialized on this object, so the index order is one total order all recorders agree on; {@link #ops()}
 * returns a snapshot for the checker.
 */
public final class History {
    private final long start;
    private final List<Op> ops = new ArrayList<>();

    public History() {
        this(System.nanoTime());
    }

    /** A history whose clock starts at {@code startNanos} (System.nanoTime()); tests pass 0 and synthetic times. */
    public History(long startNanos) {
        this.start = startNanos;
    }

    public synchronized Op send(String process, int partition, String value) {
        return add(process, Op.Type.SEND, partition, value, -1, List.of(), null);
    }

    /**
     * A send inside transaction {@code transaction} (a name unique in the history): the checker holds the values of
     * one transaction to all or nothing.
     */
    public synchronized Op send(String process, int partition, String value, String transaction) {
        return add(process, Op.Type.SEND, partition, value, -1, List.of(), Op.TRANSACTION + transaction);
    }

    public synchronized Op ack(String process, int partition, String value, long offset) {
        return add(process, Op.Type.ACK, partition, value, offset, List.of(), null);
    }

    public synchronized Op fail(String process, int partition, String value, String why) {
        return add(process, Op.Type.FAIL, partition, value, -1, List.of(), why);
    }

    public synchronized Op info(String process, int partition, String value, String why) {
        return add(process, Op.Type.INFO, partition, value, -1, List.of(), why);
    }

    public synchronized Op poll(String process, int partition, List<Op.Read> records) {
        return add(process, Op.Type.POLL, partition, null, -1, records, null);
    }

    /** Group consumer {@code process} was assigned {@code partition}; it reads on from the committed offset. */
    public synchronized Op joined(String process, int partition) {
        return add(process, Op.Type.JOIN, partition, null, -1, List.of(), null);
    }

    /** Group consumer {@code process} committed {@code offset} for {@code partition} and the commit returned. */
    public synchronized Op committed(String process, int partition, long offset) {
        return add(process, Op.Type.COMMIT, partition, null, offset, List.of(), null);
    }

    public synchronized Op finalRead(int partition, List<Op.Read> records) {
        return add("final-read", Op.Type.FINAL, partition, null, -1, records, null);
    }

    public synchronized Op nemesis(String what) {
        return add("nemesis", Op.Type.NEMESIS, -1, null, -1, List.of(), what);
    }

    /** Something a client noticed (a restarted consumer): context for a reader of the history, ignored by the checker. */
    public synchronized Op note(String process, String what) {
        return add(process, Op.Type.NOTE, -1, null, -1, List.of(), what);
    }

    private Op add(String process, Op.Type type, int partition, String value, long offset, List<Op.Read> records,
                   String detail) {
        Op op = new Op(ops.size(), System.nanoTime() - start, process, type, partition, value, offset, records, detail);
        ops.add(op);
        return op;
    }

    /** A snapshot of every op so far, in index order. */
    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }
}
