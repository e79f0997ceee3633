package io.dlog.kafka.handlers.produce;

import io.dlog.log.AppendError;
import org.apache.kafka.common.protocol.Errors;

/** The engine's append errors as Kafka error codes (same names). */
final class AppendErrors {
    private AppendErrors() {
    }

    static Errors toKafka(AppendError error) {
        return switch (error) {
            case CORRUPT_MESSAGE -> Errors.CORRUPT_MESSAGE;
            case INVALID_RECORD -> Errors.INVALID_RECORD;
            case MESSAGE_TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case RECORD_LIST_TOO_LARGE -> Errors.RECORD_LIST_TOO_LARGE;
            case INVALID_TIMESTAMP -> Errors.INVALID_TIMESTAMP;
            case OUT_OF_ORDER_SEQUENCE_NUMBER -> Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
            case INVALID_PRODUCER_EPOCH -> Errors.INVALID_PRODUCER_EPOCH;
            case KAFKA_STORAGE_ERROR -> Errors.KAFKA_STORAGE_ERROR;
            case NOT_LEADER_OR_FOLLOWER -> Errors.NOT_LEADER_OR_FOLLOWER;
            case NOT_ENOUGH_REPLICAS -> Errors.NOT_ENOUGH_REPLICAS;
            case NOT_ENOUGH_REPLICAS_AFTER_APPEND -> Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
            case TRANSACTION_COORDINATOR_FENCED -> Errors.TRANSACTION_COORDINATOR_FENCED;
            case INVALID_TXN_STATE -> Errors.INVALID_TXN_STATE;
            case THROTTLING_QUOTA_EXCEEDED -> Errors.THROTTLING_QUOTA_EXCEEDED;
        };
    }
}
