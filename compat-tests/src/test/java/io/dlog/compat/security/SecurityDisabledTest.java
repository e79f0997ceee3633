package io.dlog.compat.security;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Without authorizer.class.name the ACL APIs answer SECURITY_DISABLED, as Kafka's. */
class SecurityDisabledTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    @Test
    void shouldAnswerSecurityDisabledToTheAclApisWithoutAnAuthorizer() {
        try (Admin admin = DLOG.admin()) {
            assertThatThrownBy(() -> admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SecurityDisabledException.class);
            assertThatThrownBy(() -> admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "t",
                    PatternType.LITERAL), new AccessControlEntry("User:a", "*", AclOperation.READ, AclPermissionType.ALLOW))))
                    .all().get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(SecurityDisabledException.class);
            assertThatThrownBy(() -> admin.deleteAcls(List.of(AclBindingFilter.ANY)).all().get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SecurityDisabledException.class);
        }
    }
}
