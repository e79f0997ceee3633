package io.dlog.kafka.common;

import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.utils.Utils;

/**
 * Authorized-operation bit fields for responses that offer them (KIP-430). DLog has no authorizer
 * yet, so, as Kafka without one, every operation that applies to the resource type is allowed.
 */
public final class AuthorizedOperations {
    /** What a response carries when the client did not ask. */
    public static final int NOT_REQUESTED = Integer.MIN_VALUE;

    private static final int TOPIC = bits(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
            AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
            AclOperation.ALTER_CONFIGS);
    private static final int CLUSTER = bits(AclOperation.CREATE, AclOperation.ALTER, AclOperation.DESCRIBE,
            AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS,
            AclOperation.IDEMPOTENT_WRITE);
    private static final int GROUP = bits(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE);

    private AuthorizedOperations() {
    }

    public static int topic(boolean requested) {
        return requested ? TOPIC : NOT_REQUESTED;
    }

    public static int cluster(boolean requested) {
        return requested ? CLUSTER : NOT_REQUESTED;
    }

    public static int group(boolean requested) {
        return requested ? GROUP : NOT_REQUESTED;
    }

    private static int bits(AclOperation... operations) {
        java.util.Set<Byte> codes = new java.util.HashSet<>();
        for (AclOperation operation : operations) {
            codes.add(operation.code());
        }
        return Utils.to32BitField(Set.copyOf(codes));
    }
}
