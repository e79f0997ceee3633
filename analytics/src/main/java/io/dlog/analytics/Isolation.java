package io.dlog.analytics;

/** Which records a scan sees, as Kafka's {@code isolation.level}. */
public enum Isolation {
    /** Up to the high watermark; records of aborted and open transactions included. */
    READ_UNCOMMITTED,
    /** Up to the last stable offset; records of aborted transactions skipped. */
    READ_COMMITTED;

    /** Parses {@code read_committed} / {@code read_uncommitted} (Kafka's spelling), case-insensitive. */
    public static Isolation parse(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "read_committed" -> READ_COMMITTED;
            case "read_uncommitted" -> READ_UNCOMMITTED;
            default -> throw new IllegalArgumentException("isolation must be read_committed or read_uncommitted: " + text);
        };
    }
}
