package io.dlog.log.metadata;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The security part of the cluster image: SCRAM credentials by user and mechanism name
 * (SCRAM-SHA-256, SCRAM-SHA-512), and the ACL bindings. Immutable.
 */
public record SecurityImage(Map<String, Map<String, ScramCredentialImage>> scramCredentials, List<AclImage> acls) {
    public static final SecurityImage EMPTY = new SecurityImage(Map.of(), List.of());

    public SecurityImage {
        Map<String, Map<String, ScramCredentialImage>> copy = new HashMap<>();
        scramCredentials.forEach((user, byMechanism) -> copy.put(user, Map.copyOf(byMechanism)));
        scramCredentials = Map.copyOf(copy);
        acls = List.copyOf(acls);
    }

    public Optional<ScramCredentialImage> scramCredential(String user, String mechanism) {
        return Optional.ofNullable(scramCredentials.getOrDefault(user, Map.of()).get(mechanism));
    }

    public SecurityImage withScramCredentials(Map<String, Map<String, ScramCredentialImage>> credentials) {
        return new SecurityImage(credentials, acls);
    }

    public SecurityImage withAcls(List<AclImage> newAcls) {
        return new SecurityImage(scramCredentials, newAcls);
    }
}
