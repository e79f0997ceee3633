package io.dlog.analytics;

/**
 * Which records of a partition a scan returns: offsets in {@code [startOffset, endOffset)} that are visible
 * under the isolation level when the scan starts (below the high watermark, or the last stable offset for
 * read_committed), and whose timestamp lies in {@code [minTimestamp, maxTimestamp)}.
 *
 * <p>Timestamps are not ordered in a log (CreateTime), so the timestamp bounds filter records; only the
 * lower bound also moves the start, to the first batch whose max timestamp reaches it (Kafka's
 * ListOffsets rule: every record before that batch is older).
 */
public record ScanRange(long startOffset, long endOffset, long minTimestamp, long maxTimestamp, Isolation isolation) {

    public static final ScanRange ALL = new ScanRange(0, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE,
            Isolation.READ_UNCOMMITTED);

    public ScanRange {
        if (startOffset < 0 || endOffset < startOffset) {
            throw new IllegalArgumentException("offsets must satisfy 0 <= start <= end: " + startOffset + ", " + endOffset);
        }
        if (maxTimestamp < minTimestamp) {
            throw new IllegalArgumentException("timestamps must satisfy min <= max: " + minTimestamp + ", " + maxTimestamp);
        }
        java.util.Objects.requireNonNull(isolation, "isolation");
    }

    public ScanRange withOffsets(long start, long end) {
        return new ScanRange(start, end, minTimestamp, maxTimestamp, isolation);
    }

    public ScanRange withIsolation(Isolation level) {
        return new ScanRange(startOffset, endOffset, minTimestamp, maxTimestamp, level);
    }

    public ScanRange withTimestamps(long min, long max) {
        return new ScanRange(startOffset, endOffset, min, max, isolation);
    }

    boolean acceptsTimestamp(long timestamp) {
        return timestamp >= minTimestamp && timestamp < maxTimestamp;
    }
}
