package io.dlog.kafka.security;

import java.util.Optional;
import org.apache.kafka.common.security.scram.ScramCredential;

/** Where SCRAM authentication finds a user's credential (the cluster image). Thread-safe. */
@FunctionalInterface
public interface ScramCredentialStore {
    /** A store with no users (tests, listeners without SCRAM). */
    ScramCredentialStore NONE = (user, mechanism) -> Optional.empty();

    /** @param mechanism SCRAM-SHA-256 or SCRAM-SHA-512 */
    Optional<ScramCredential> credential(String user, String mechanism);
}
