package io.dlog.log.metadata;

/** A metadata change the current image refuses, or one that could not be committed. */
public final class MetadataException extends Exception {

    /** Why; the adapter maps these onto Kafka error codes. */
    public enum Reason {
        TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR,
        INVALID_REPLICA_ASSIGNMENT, UNKNOWN_BROKER, STALE_BROKER_INCARNATION, INVALID_COMMAND,
        /** No quorum answered in time (a minority, an election): retriable. */
        TIMED_OUT,
        /** This node is shutting down or its metadata replica failed. */
        UNAVAILABLE
    }

    private final Reason reason;

    public MetadataException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
