package io.dlog.log.internal;

/**
 * Caps the cleaner's I/O at {@code log.cleaner.io.max.bytes.per.second} (reads plus writes of every cleaner
 * thread together, as Kafka's throttler does): after each chunk, a thread sleeps as long as the bytes so
 * far are ahead of the rate. A rate of {@code Double.MAX_VALUE} (the default) never sleeps.
 *
 * <p>Thread-safe: the accounting is synchronized; sleeping happens outside the lock.
 */
final class Throttler {
    private static final long WINDOW_NANOS = 300_000_000L;

    private final double bytesPerSecond;
    private long windowStart = System.nanoTime();
    private long bytesInWindow;

    Throttler(double bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    void acquire(long bytes) {
        if (bytesPerSecond >= Double.MAX_VALUE / 2) {
            return;
        }
        long sleepNanos;
        synchronized (this) {
            bytesInWindow += bytes;
            long now = System.nanoTime();
            long elapsed = now - windowStart;
            long due = (long) (bytesInWindow / bytesPerSecond * 1e9);
            sleepNanos = due - elapsed;
            if (elapsed >= WINDOW_NANOS && sleepNanos <= 0) {
                windowStart = now;
                bytesInWindow = 0;
            }
        }
        if (sleepNanos > 0) {
            try {
                Thread.sleep(sleepNanos / 1_000_000, (int) (sleepNanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
