package io.dlog.kafka.quota;

/**
 * A rate measured as Kafka's {@code Rate} over a {@code WindowedSum}: {@code samples} windows of
 * {@code windowMs}, each starting at the first value recorded in it; the rate is the sum of the live
 * windows over the time they span, counted as at least {@code samples - 1} full windows so that a
 * burst at the start is not measured over a few milliseconds. A window older than
 * {@code samples * windowMs} is reset before it is read. {@link #simpleRatePerSecond} is Kafka's
 * {@code SimpleRate} instead (the replication quotas'): the same sum over the time since the oldest window
 * started, counted as at least one window.
 *
 * <p>Not thread-safe: its owner guards it.
 */
final class RateWindows {
    private final int samples;
    private final long windowMs;
    private final long[] starts;
    private final double[] values;
    /** Windows in use (they are created as needed, up to {@code samples}). */
    private int used;
    private int current;

    RateWindows(int samples, long windowMs) {
        if (samples < 1 || windowMs < 1) {
            throw new IllegalArgumentException("samples " + samples + ", window " + windowMs + " ms");
        }
        this.samples = samples;
        this.windowMs = windowMs;
        this.starts = new long[samples];
        this.values = new double[samples];
    }

    void record(double value, long nowMs) {
        if (used == 0) {
            starts[0] = nowMs;
            used = 1;
        } else if (nowMs - starts[current] >= windowMs) {
            current = (current + 1) % samples;
            if (current >= used) {
                used++;
            }
            starts[current] = nowMs;
            values[current] = 0;
        }
        values[current] += value;
    }

    /** The rate per second at {@code nowMs}. */
    double ratePerSecond(long nowMs) {
        long span = windowSizeMs(nowMs); // purges obsolete windows first
        return total() / (span / 1000.0);
    }

    /** The rate per second at {@code nowMs} as Kafka's {@code SimpleRate} measures it. */
    double simpleRatePerSecond(long nowMs) {
        purgeObsolete(nowMs);
        long span = used == 0 ? windowMs : Math.max(nowMs - oldestStart(), windowMs);
        return total() / (span / 1000.0);
    }

    private double total() {
        double total = 0;
        for (int i = 0; i < used; i++) {
            total += values[i];
        }
        return total;
    }

    private long oldestStart() {
        long oldest = starts[0];
        for (int i = 1; i < used; i++) {
            oldest = Math.min(oldest, starts[i]);
        }
        return oldest;
    }

    /** The time the rate is measured over, as Kafka's {@code Rate.windowSize}. */
    long windowSizeMs(long nowMs) {
        purgeObsolete(nowMs);
        if (used == 0) {
            starts[0] = nowMs;
            used = 1;
        }
        long elapsed = nowMs - oldestStart();
        long fullWindows = elapsed / windowMs;
        long minFullWindows = samples - 1;
        if (fullWindows < minFullWindows) {
            elapsed += (minFullWindows - fullWindows) * windowMs;
        }
        return Math.max(elapsed, 1);
    }

    private void purgeObsolete(long nowMs) {
        long expireAge = samples * windowMs;
        for (int i = 0; i < used; i++) {
            if (nowMs - starts[i] >= expireAge) {
                starts[i] = nowMs;
                values[i] = 0;
            }
        }
    }
}
