package io.dlog.analytics;

/** How a topic's record values become columns. */
public enum ValueFormat {
    /** One binary column {@code value}, the bytes as produced. */
    RAW,
    /** JSON objects: one column per field of a schema inferred from the first records, plus {@code _overflow}. */
    JSON;

    public static ValueFormat parse(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "raw" -> RAW;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException("format must be raw or json: " + text);
        };
    }
}
