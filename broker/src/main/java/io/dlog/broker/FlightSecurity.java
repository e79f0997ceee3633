package io.dlog.broker;

import io.dlog.analytics.flight.FlightAccess;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.security.AclAuthorizer;
import io.dlog.kafka.security.ImageScramCredentials;
import io.dlog.kafka.security.ListenerSecurity;
import io.dlog.kafka.security.SaslMechanisms;
import io.dlog.log.metadata.MetadataImage;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * The Flight endpoint's users and ACLs, the broker's own: a user name and password are checked as the broker's
 * SASL listeners check them (PLAIN's JAAS users, SCRAM credentials of the cluster image), and a topic's
 * DESCRIBE / READ with the broker's ACL authorizer for {@code User:<name>} from the client's host (everything
 * allowed without {@code authorizer.class.name}). Immutable; thread-safe.
 */
final class FlightSecurity implements FlightAccess {
    private final List<SaslMechanisms> listeners;
    private final AclAuthorizer authorizer;

    private FlightSecurity(List<SaslMechanisms> listeners, AclAuthorizer authorizer) {
        this.listeners = listeners;
        this.authorizer = authorizer;
    }

    /** The broker's Flight security, or empty when no listener has SASL users (then the endpoint is open). */
    static Optional<FlightAccess> of(BrokerConfig config, Supplier<MetadataImage> image) {
        ImageScramCredentials scram = new ImageScramCredentials(image);
        List<SaslMechanisms> sasl = config.clientListeners().stream()
                .flatMap(listener -> ListenerSecurity.of(config, listener.name(), scram).sasl().stream()).toList();
        if (sasl.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new FlightSecurity(sasl, AclAuthorizer.fromSettings(config.staticValues(), image)));
    }

    @Override
    public Optional<String> authenticate(String user, String password) {
        for (SaslMechanisms mechanisms : listeners) {
            if (mechanisms.checkPassword(user, password)) {
                return Optional.of(user);
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean allowed(String user, String host, Operation operation, String topic) {
        if (authorizer == null) {
            return true;
        }
        AclOperation acl = operation == Operation.READ ? AclOperation.READ : AclOperation.DESCRIBE;
        return authorizer.authorize(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, user), host, acl, ResourceType.TOPIC, topic);
    }
}
