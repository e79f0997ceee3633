package io.dlog.analytics.flight;

import java.util.Optional;

/**
 * Who may use the Flight endpoint and what they may read: the broker's SASL users (their passwords checked as
 * its SASL listeners check them) and its ACL authorizer. Implementations are thread-safe and do not block on
 * I/O (they read the broker's in-memory users, credentials and ACLs).
 */
public interface FlightAccess {

    /** What a principal asks to do with a topic (Kafka's ACL operations of the same names). */
    enum Operation { DESCRIBE, READ }

    /**
     * Checks a user name and password (Flight basic authentication).
     *
     * @return the principal's user name, or empty when the user is unknown or the password wrong
     */
    Optional<String> authenticate(String user, String password);

    /** Whether {@code User:<user>} connecting from {@code host} may do {@code operation} on the topic. */
    boolean allowed(String user, String host, Operation operation, String topic);
}
