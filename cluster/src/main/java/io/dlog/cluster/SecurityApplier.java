package io.dlog.cluster;

import io.dlog.log.metadata.AclImage;
import io.dlog.log.metadata.ClientQuotasImage;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.QuotaEntity;
import io.dlog.log.metadata.ScramCredentialImage;
import io.dlog.log.metadata.SecurityImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The security commands' part of {@link MetadataApplier}: SCRAM credentials, ACL bindings and client quotas. Pure;
 * these commands are never refused (their proposer validated them), so applying one always succeeds.
 */
final class SecurityApplier {

    private SecurityApplier() {
    }

    static MetadataImage apply(MetadataImage image, MetadataCommand command) {
        SecurityImage security = image.security();
        if (command instanceof MetadataCommand.AlterScramCredentials c) {
            return image.withSecurity(security.withScramCredentials(alterScram(security, c)));
        } else if (command instanceof MetadataCommand.CreateAcls c) {
            Set<AclImage> acls = new LinkedHashSet<>(security.acls());
            acls.addAll(c.acls());
            return image.withSecurity(security.withAcls(new ArrayList<>(acls)));
        } else if (command instanceof MetadataCommand.AlterClientQuotas c) {
            return image.withSecurity(security.withQuotas(alterQuotas(security.quotas(), c)));
        } else if (command instanceof MetadataCommand.DeleteAcls c) {
            List<AclImage> acls = new ArrayList<>(security.acls());
            acls.removeAll(Set.copyOf(c.acls()));
            return image.withSecurity(security.withAcls(acls));
        }
        throw new IllegalStateException("not a security command: " + command);
    }

    private static Map<String, Map<String, ScramCredentialImage>> alterScram(SecurityImage security,
                                                                             MetadataCommand.AlterScramCredentials c) {
        Map<String, Map<String, ScramCredentialImage>> credentials = new HashMap<>();
        security.scramCredentials().forEach((user, byMechanism) -> credentials.put(user, new HashMap<>(byMechanism)));
        for (MetadataCommand.ScramDeletion deletion : c.deletions()) {
            Map<String, ScramCredentialImage> byMechanism = credentials.get(deletion.user());
            if (byMechanism != null) {
                byMechanism.remove(deletion.mechanism());
                if (byMechanism.isEmpty()) {
                    credentials.remove(deletion.user());
                }
            }
        }
        for (MetadataCommand.ScramUpsert upsert : c.upserts()) {
            credentials.computeIfAbsent(upsert.user(), user -> new HashMap<>()).put(upsert.mechanism(), upsert.credential());
        }
        return credentials;
    }

    private static ClientQuotasImage alterQuotas(ClientQuotasImage quotas, MetadataCommand.AlterClientQuotas c) {
        Map<QuotaEntity, Map<String, Double>> entities = new HashMap<>();
        quotas.entities().forEach((entity, values) -> entities.put(entity, new HashMap<>(values)));
        for (MetadataCommand.QuotaChange change : c.changes()) {
            if (change.value() == null) {
                Map<String, Double> values = entities.get(change.entity());
                if (values != null) {
                    values.remove(change.key());
                }
            } else {
                entities.computeIfAbsent(change.entity(), e -> new HashMap<>()).put(change.key(), change.value());
            }
        }
        return new ClientQuotasImage(entities); // drops entities left without values
    }
}
