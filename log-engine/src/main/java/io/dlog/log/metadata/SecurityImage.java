package io.dlog.log.metadata;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The security part of the cluster image: SCRAM credentials by user and mechanism name
 * (SCRAM-SHA-256, SCRAM-SHA-512), the ACL bindings, and the client quotas. Immutable.
 */
public record SecurityImage(Map<String, Map<String, ScramCredentialImage>> scramCredentials, List<AclImage> acls,
                            ClientQuotasImage quotas) {
    public static final SecurityImage EMPTY = new SecurityImage(Map.of(), List.of());

    /** Credentials and ACLs without client quotas. */
    public SecurityImage(Map<String, Map<String, ScramCredentialImage>> scramCredentials, List<AclImage> acls) {
        this(scramCredentials, acls, ClientQuotasImage.EMPTY);
    }

    public SecurityImage {
        quotas = quotas == null ? ClientQuotasImage.EMPTY : quotas;
        Map<String, Map<String, ScramCredentialImage>> copy = new HashMap<>();
        scramCredentials.forEach((user, byMechanism) -> copy.put(user, Map.copyOf(byMechanism)));
        scramCredentials = Map.copyOf(copy);
        acls = List.copyOf(acls);
    }

    public Optional<ScramCredentialImage> scramCredential(String user, String mechanism) {
        return Optional.ofNullable(scramCredentials.getOrDefault(user, Map.of()).get(mechanism));
    }

    public SecurityImage withScramCredentials(Map<String, Map<String, ScramCredentialImage>> credentials) {
        return new SecurityImage(credentials, acls, quotas);
    }

    public SecurityImage withAcls(List<AclImage> newAcls) {
        return new SecurityImage(scramCredentials, newAcls, quotas);
    }

    public SecurityImage withQuotas(ClientQuotasImage newQuotas) {
        return new SecurityImage(scramCredentials, acls, newQuotas);
    }
}
