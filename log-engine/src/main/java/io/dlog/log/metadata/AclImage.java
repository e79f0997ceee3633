package io.dlog.log.metadata;

/**
 * One ACL binding, with Kafka's codes for its enums (ResourceType, PatternType, AclOperation,
 * AclPermissionType), so this layer needs no Kafka classes.
 *
 * @param resourceType Kafka's ResourceType code (TOPIC 2, GROUP 3, CLUSTER 4, TRANSACTIONAL_ID 5, ...)
 * @param resourceName the name or prefix ("*" for every resource of a literal pattern)
 * @param patternType  Kafka's PatternType code (LITERAL 3, PREFIXED 4)
 * @param principal    e.g. User:alice, User:*
 * @param host         a host address or "*"
 * @param operation    Kafka's AclOperation code
 * @param permission   Kafka's AclPermissionType code (DENY 2, ALLOW 3)
 */
public record AclImage(byte resourceType, String resourceName, byte patternType, String principal, String host,
                       byte operation, byte permission) {
}
