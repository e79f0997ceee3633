package io.dlog.kafka.handlers.admin;

import io.dlog.log.OffsetOutOfRangeException;
import io.dlog.log.metadata.MetadataException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/** Turns failures of admin changes into Kafka error codes with messages. Stateless. */
final class AdminErrors {
    private AdminErrors() {
    }

    /**
     * The error a failed change reports: the engine's metadata refusals by reason, Kafka's own
     * {@code ApiException}s as they are, I/O failures as KAFKA_STORAGE_ERROR, anything else as
     * UNKNOWN_SERVER_ERROR (its message kept, so the client sees why).
     */
    static ApiError fromThrowable(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof MetadataException metadata) {
            Errors error = switch (metadata.reason()) {
                case TOPIC_ALREADY_EXISTS -> Errors.TOPIC_ALREADY_EXISTS;
                case UNKNOWN_TOPIC -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
                case INVALID_PARTITIONS -> Errors.INVALID_PARTITIONS;
                case INVALID_REPLICATION_FACTOR -> Errors.INVALID_REPLICATION_FACTOR;
                case INVALID_REPLICA_ASSIGNMENT, UNKNOWN_BROKER -> Errors.INVALID_REPLICA_ASSIGNMENT;
                case STALE_BROKER_INCARNATION -> Errors.STALE_BROKER_EPOCH;
                case INVALID_COMMAND -> Errors.INVALID_REQUEST;
                case FENCED_LEADER_EPOCH -> Errors.FENCED_LEADER_EPOCH;
                case INVALID_UPDATE_VERSION -> Errors.INVALID_UPDATE_VERSION;
                case INELIGIBLE_REPLICA -> Errors.INELIGIBLE_REPLICA;
                case ELECTION_NOT_NEEDED -> Errors.ELECTION_NOT_NEEDED;
                case PREFERRED_LEADER_NOT_AVAILABLE -> Errors.PREFERRED_LEADER_NOT_AVAILABLE;
                case ELIGIBLE_LEADERS_NOT_AVAILABLE -> Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE;
                case NO_REASSIGNMENT_IN_PROGRESS -> Errors.NO_REASSIGNMENT_IN_PROGRESS;
                // Retriable: the client's Admin retries these until its own timeout.
                case TIMED_OUT -> Errors.REQUEST_TIMED_OUT;
                case UNAVAILABLE -> Errors.NOT_CONTROLLER;
                case RULE_FAILED -> Errors.UNKNOWN_SERVER_ERROR;
            };
            return new ApiError(error, metadata.getMessage());
        }
        if (cause instanceof OffsetOutOfRangeException) {
            return new ApiError(Errors.OFFSET_OUT_OF_RANGE, cause.getMessage());
        }
        if (cause instanceof UncheckedIOException || cause instanceof java.io.IOException) {
            return new ApiError(Errors.KAFKA_STORAGE_ERROR, cause.getMessage());
        }
        ApiError error = ApiError.fromThrowable(cause);
        if (error.error() == Errors.UNKNOWN_SERVER_ERROR) {
            return new ApiError(Errors.UNKNOWN_SERVER_ERROR, String.valueOf(cause.getMessage()));
        }
        return error;
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
