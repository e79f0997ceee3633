package io.dlog.log;

/**
 * Why an append was refused. The protocol adapter maps each to its Kafka error code
 * (same names as {@code org.apache.kafka.common.protocol.Errors}); the engine knows no Kafka classes.
 */
public enum AppendError {
    /** Bad magic, bad length, bad CRC, record count that disagrees with the offset delta. */
    CORRUPT_MESSAGE,
    /** A record the topic cannot hold, e.g. a null key on a compacted topic. */
    INVALID_RECORD,
    /** One batch larger than max.message.bytes. */
    MESSAGE_TOO_LARGE,
    /** The whole append larger than the segment size. */
    RECORD_LIST_TOO_LARGE,
    /** A timestamp outside message.timestamp.before/after.max.ms. */
    INVALID_TIMESTAMP,
    /** Sequence gap or a duplicate older than the cached window. */
    OUT_OF_ORDER_SEQUENCE_NUMBER,
    /** The producer's epoch is older than the one the partition has seen. */
    INVALID_PRODUCER_EPOCH,
    /** A transaction marker from a coordinator older than the one that wrote the producer's last marker. */
    TRANSACTION_COORDINATOR_FENCED,
    /** A non-transactional batch from a producer inside a transaction, or a malformed marker. */
    INVALID_TXN_STATE,
    /** The partition's disk failed; the partition is offline until restart. */
    KAFKA_STORAGE_ERROR,
    /** Append to a partition that was deleted or closed meanwhile. */
    NOT_LEADER_OR_FOLLOWER,
    /**
     * An acks=all write refused before the append: fewer in-sync replicas than min.insync.replicas (the replication
     * layer's answer, for writes that report through an append result: a coordinator's).
     */
    NOT_ENOUGH_REPLICAS,
    /** An acks=all write appended, but the in-sync replicas fell below min.insync.replicas before it was committed. */
    NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    /**
     * A new producer id while the partition's producer bound is reached and every kept producer is inside
     * a transaction: retriable back-pressure.
     */
    THROTTLING_QUOTA_EXCEEDED
}
