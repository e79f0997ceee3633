package io.dlog.idcoord;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory {@link CounterFile} that models page cache vs disk: {@code extendTo} changes the
 * cached length, {@code force} copies it to the durable length. Faults and delays are injected.
 */
final class FaultyCounterFile implements CounterFile {
    private long cachedLength;
    private long durableLength;
    volatile int failNextForces;
    volatile int failNextExtends;
    volatile long forceDelayMillis;
    volatile long maxLength = Long.MAX_VALUE;
    final AtomicInteger forces = new AtomicInteger();
    final AtomicInteger extends_ = new AtomicInteger();

    FaultyCounterFile(long length) {
        this.cachedLength = length;
        this.durableLength = length;
    }

    @Override
    public synchronized long size() {
        return cachedLength;
    }

    @Override
    public synchronized void extendTo(long length) throws IOException {
        extends_.incrementAndGet();
        if (failNextExtends > 0) {
            failNextExtends--;
            throw new IOException("No space left on device (injected)");
        }
        if (length > maxLength) {
            throw new CounterExhaustedException("too large (injected)");
        }
        if (length < cachedLength) {
            throw new AssertionError("counter shrank its file from " + cachedLength + " to " + length);
        }
        cachedLength = length;
    }

    @Override
    public void force() throws IOException {
        forces.incrementAndGet();
        long delay = forceDelayMillis;
        if (delay > 0) {
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        synchronized (this) {
            if (failNextForces > 0) {
                failNextForces--;
                throw new IOException("Input/output error (injected)");
            }
            durableLength = cachedLength;
        }
    }

    synchronized long durableLength() {
        return durableLength;
    }

    @Override
    public void close() {
    }
}
