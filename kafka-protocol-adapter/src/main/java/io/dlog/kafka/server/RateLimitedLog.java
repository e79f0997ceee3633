package io.dlog.kafka.server;

/**
 * At most {@code burst} lines per {@code interval} for one kind of client-caused event (connections
 * closed for bad input, failed handlers), so a misbehaving or hostile client cannot flood the broker's
 * log. The first line after a window in which lines were dropped says how many.
 *
 * <p>Thread-safety: safe from any thread (event loops share one instance per kind).
 */
final class RateLimitedLog {
    private final long intervalNanos;
    private final int burst;
    private long windowStart = System.nanoTime();
    private int logged;
    private long suppressed;

    RateLimitedLog(java.time.Duration interval, int burst) {
        this.intervalNanos = interval.toNanos();
        this.burst = burst;
    }

    /**
     * Whether a line may be written now; when one may, {@code suffix} returns what to append to it (the
     * count of lines dropped before it, or nothing).
     */
    synchronized String permit() {
        long now = System.nanoTime();
        if (now - windowStart >= intervalNanos) {
            windowStart = now;
            logged = 0;
        }
        if (logged >= burst) {
            suppressed++;
            return null;
        }
        logged++;
        String suffix = suppressed == 0 ? "" : " (" + suppressed + " similar lines suppressed before this one)";
        suppressed = 0;
        return suffix;
    }
}
