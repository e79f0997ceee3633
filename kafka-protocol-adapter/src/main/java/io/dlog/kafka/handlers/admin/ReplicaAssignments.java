package io.dlog.kafka.handlers.admin;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * Checks manual replica assignments (CreateTopics, CreatePartitions) with Kafka's rules and messages.
 * Every broker named must be registered in the cluster image.
 */
final class ReplicaAssignments {
    private ReplicaAssignments() {
    }

    /** Why this replica set cannot be used, or empty. */
    static Optional<ApiError> validate(List<Integer> brokerIds, io.dlog.log.metadata.MetadataImage image) {
        if (brokerIds == null || brokerIds.isEmpty()) {
            return Optional.of(new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT,
                    "The manual partition assignment includes an empty replica list."));
        }
        Set<Integer> seen = new HashSet<>();
        for (int brokerId : brokerIds) {
            if (!seen.add(brokerId)) {
                return Optional.of(new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT,
                        "The manual partition assignment includes the broker " + brokerId + " more than once."));
            }
        }
        for (int brokerId : brokerIds) {
            if (image.broker(brokerId).isEmpty()) {
                return Optional.of(new ApiError(Errors.INVALID_REPLICA_ASSIGNMENT,
                        "The manual partition assignment includes broker " + brokerId
                                + ", but no such broker is registered."));
            }
        }
        return Optional.empty();
    }
}
