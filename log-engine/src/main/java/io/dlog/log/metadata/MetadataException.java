package io.dlog.log.metadata;

/** A metadata change the current image refuses. */
public final class MetadataException extends Exception {

    /** Why; the adapter maps these onto Kafka error codes of the same names. */
    public enum Reason { TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC, INVALID_PARTITIONS }

    private final Reason reason;

    public MetadataException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
