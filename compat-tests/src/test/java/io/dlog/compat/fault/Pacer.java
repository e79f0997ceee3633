package io.dlog.compat.fault;

import java.util.concurrent.TimeUnit;

/**
 * Spaces a producer loop's turns a fixed interval apart. After an outage it starts again from the present rather
 * than sending the missed turns in a burst. One thread.
 */
final class Pacer {
    private final long intervalNanos;
    private long next = System.nanoTime();

    Pacer(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /** Sleeps until the next turn is due. */
    void awaitTurn() throws InterruptedException {
        next += intervalNanos;
        long wait = next - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        } else {
            next = System.nanoTime(); // fell behind (an outage): do not burst to catch up
        }
    }
}
