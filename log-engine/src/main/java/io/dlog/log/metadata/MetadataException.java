package io.dlog.log.metadata;

/** A metadata change the current image refuses, or one that could not be committed. */
public final class MetadataException extends Exception {

    /** Why; the adapter maps these onto Kafka error codes. */
    public enum Reason {
        TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR,
        INVALID_REPLICA_ASSIGNMENT, UNKNOWN_BROKER, STALE_BROKER_INCARNATION, INVALID_COMMAND,
        /** A partition change from a leader of an older epoch, or from a node that does not lead it. */
        FENCED_LEADER_EPOCH,
        /** A partition change computed from an older partition state. */
        INVALID_UPDATE_VERSION,
        /** An ISR change that adds a fenced or unknown replica. */
        INELIGIBLE_REPLICA,
        /** Leader election: the wanted leader leads already. */
        ELECTION_NOT_NEEDED,
        /** Leader election: the wanted leader is not live or not in sync. */
        PREFERRED_LEADER_NOT_AVAILABLE,
        /** Unclean leader election: no live replica. */
        ELIGIBLE_LEADERS_NOT_AVAILABLE,
        /** Cancelling a partition reassignment when none is in progress. */
        NO_REASSIGNMENT_IN_PROGRESS,
        /** No quorum answered in time (a minority, an election): retriable. */
        TIMED_OUT,
        /** This node is shutting down or its metadata replica failed. */
        UNAVAILABLE,
        /** A rule threw on this command (a bug): refused alike on every node, whose images stay equal. */
        RULE_FAILED
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
