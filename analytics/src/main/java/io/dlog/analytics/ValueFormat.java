package io.dlog.analytics;

/** How a topic's record values become columns. */
public enum ValueFormat {
    /** One binary column {@code value}, the bytes as produced. */
    RAW,
    /** JSON objects: one column per field of a schema inferred from the first records, plus {@code _overflow}. */
    JSON,
    /**
     * Avro: one column per field of the topic's Avro schema ({@code dlog.value.schema}, or the schema registry's
     * latest for {@code <topic>-value}), plus {@code _error}.
     */
    AVRO;

    public static ValueFormat parse(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "raw" -> RAW;
            case "json" -> JSON;
            case "avro" -> AVRO;
            default -> throw new IllegalArgumentException("format must be raw, json or avro: " + text);
        };
    }
}
