package io.dlog.kafka.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.log.metadata.AclImage;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.SecurityImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

class AclAuthorizerTest {
    private static final KafkaPrincipal ALICE = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "bob");

    private final List<AclImage> acls = new ArrayList<>();
    private final AclAuthorizer authorizer = new AclAuthorizer(
            () -> MetadataImage.EMPTY.withSecurity(new SecurityImage(Map.of(), acls)), Set.of(new KafkaPrincipal("User", "admin")), false);

    private void acl(ResourceType type, String name, PatternType pattern, String principal, String host, AclOperation op,
                     AclPermissionType permission) {
        acls.add(new AclImage(type.code(), name, pattern.code(), principal, host, op.code(), permission.code()));
    }

    private boolean may(KafkaPrincipal who, AclOperation op, String topic) {
        return authorizer.authorize(who, "10.0.0.1", op, ResourceType.TOPIC, topic);
    }

    @Test
    void shouldDenyWithoutAclsUnlessSuperUserOrAllowEveryone() {
        assertThat(may(ALICE, AclOperation.READ, "t")).isFalse();
        assertThat(may(new KafkaPrincipal("User", "admin"), AclOperation.READ, "t")).isTrue();
        AclAuthorizer open = new AclAuthorizer(() -> MetadataImage.EMPTY, Set.of(), true);
        assertThat(open.authorize(ALICE, "h", AclOperation.WRITE, ResourceType.TOPIC, "t")).isTrue();
    }

    @Test
    void shouldMatchLiteralWildcardAndPrefixedPatternsAndImplyDescribe() {
        acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW);
        acl(ResourceType.TOPIC, "logs-", PatternType.PREFIXED, "User:*", "*", AclOperation.WRITE, AclPermissionType.ALLOW);
        acl(ResourceType.TOPIC, "*", PatternType.LITERAL, "User:bob", "10.0.0.1", AclOperation.ALTER_CONFIGS, AclPermissionType.ALLOW);

        assertThat(may(ALICE, AclOperation.READ, "orders")).isTrue();
        assertThat(may(ALICE, AclOperation.DESCRIBE, "orders")).as("READ implies DESCRIBE").isTrue();
        assertThat(may(ALICE, AclOperation.WRITE, "orders")).isFalse();
        assertThat(may(BOB, AclOperation.WRITE, "logs-app")).isTrue();
        assertThat(may(BOB, AclOperation.WRITE, "log")).isFalse();
        assertThat(may(BOB, AclOperation.DESCRIBE_CONFIGS, "anything")).as("ALTER_CONFIGS implies DESCRIBE_CONFIGS").isTrue();
        assertThat(authorizer.authorize(BOB, "10.0.0.2", AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, "x")).isFalse();
    }

    @Test
    void shouldLetADenyWinOverAnAllow() {
        acl(ResourceType.TOPIC, "orders", PatternType.PREFIXED, "User:alice", "*", AclOperation.ALL, AclPermissionType.ALLOW);
        acl(ResourceType.TOPIC, "orders-secret", PatternType.LITERAL, "User:*", "*", AclOperation.READ, AclPermissionType.DENY);

        assertThat(may(ALICE, AclOperation.READ, "orders-eu")).isTrue();
        assertThat(may(ALICE, AclOperation.READ, "orders-secret")).isFalse();
        assertThat(may(ALICE, AclOperation.WRITE, "orders-secret")).isTrue();
    }

    @Test
    void shouldAuthorizeIdempotentWritesByAnyTopicWrite() {
        assertThat(authorizer.authorizeAny(ALICE, "h", AclOperation.WRITE, ResourceType.TOPIC)).isFalse();
        acl(ResourceType.TOPIC, "t", PatternType.LITERAL, "User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW);
        assertThat(authorizer.authorizeAny(ALICE, "h", AclOperation.WRITE, ResourceType.TOPIC)).isTrue();
        acl(ResourceType.TOPIC, "*", PatternType.LITERAL, "User:alice", "*", AclOperation.WRITE, AclPermissionType.DENY);
        assertThat(authorizer.authorizeAny(ALICE, "h", AclOperation.WRITE, ResourceType.TOPIC)).isFalse();
    }
}
