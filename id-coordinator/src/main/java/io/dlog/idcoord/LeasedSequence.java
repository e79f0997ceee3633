package io.dlog.idcoord;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Hands out values of a {@link SparseAppendCounter} from memory, a lease at a time: when the
 * current block is used up, one caller reserves the next {@code leaseSize} values in one commit
 * (one {@code fsync}) while the others wait for it.
 *
 * <p>Invariants: every value returned was durably reserved before it was returned, so values never
 * repeat, across threads, sequences on the same counter, and restarts. Values returned to one
 * thread increase; values returned to different threads interleave in no particular order. A
 * crash or {@link SparseAppendCounter#close()} skips the unused rest of the current lease.
 *
 * <p>Thread-safety: safe for any number of threads. The fast path is one atomic increment; only
 * the refill takes a lock, held across the commit (the threads waiting on it need that commit).
 */
public final class LeasedSequence {
    private final SparseAppendCounter counter;
    private final int leaseSize;
    private final ReentrantLock refillLock = new ReentrantLock();
    private volatile Lease lease = new Lease(1, 0);

    LeasedSequence(SparseAppendCounter counter, int leaseSize) {
        if (leaseSize < 1) {
            throw new IllegalArgumentException("leaseSize must be at least 1, was " + leaseSize);
        }
        this.counter = counter;
        this.leaseSize = leaseSize;
    }

    /**
     * The next value: from memory while the lease lasts, else after reserving another lease.
     *
     * @throws CounterExhaustedException when the counter can't grow any more
     * @throws IOException if reserving a lease failed; a later call may succeed
     */
    public long next() throws IOException {
        for (;;) {
            Lease current = lease;
            long value = current.next.getAndIncrement();
            if (value <= current.last) {
                return value;
            }
            refill(current);
        }
    }

    /** How many values one lease holds. */
    public int leaseSize() {
        return leaseSize;
    }

    private void refill(Lease exhausted) throws IOException {
        refillLock.lock();
        try {
            if (lease == exhausted) {
                long first = counter.reserve(leaseSize);
                lease = new Lease(first, first + leaseSize - 1);
            }
        } finally {
            refillLock.unlock();
        }
    }

    /** One reserved block; {@code next} may run past {@code last} when callers race at its end. */
    private static final class Lease {
        final AtomicLong next;
        final long last;

        Lease(long first, long last) {
            this.next = new AtomicLong(first);
            this.last = last;
        }
    }
}
