package io.dlog.kafka.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Kafka's {@code listener.security.protocol.map}: listener name to security protocol. Names are
 * upper-cased as Kafka's {@code ListenerName.normalised} does. Immutable.
 */
public final class ListenerProtocols {
    /** Kafka's default value of the map. */
    static final String KAFKA_DEFAULT = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";

    private final Map<String, SecurityProtocol> protocols;

    private ListenerProtocols(Map<String, SecurityProtocol> protocols) {
        this.protocols = Map.copyOf(protocols);
    }

    /** @throws ConfigException an entry is not NAME:PROTOCOL or names an unknown protocol */
    static ListenerProtocols parse(String key, String value) {
        Map<String, SecurityProtocol> protocols = new LinkedHashMap<>();
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new ConfigException(key, value, "expected NAME:PROTOCOL,...");
            }
            String name = entry.substring(0, colon).trim().toUpperCase(Locale.ROOT);
            String protocol = entry.substring(colon + 1).trim().toUpperCase(Locale.ROOT);
            try {
                protocols.put(name, SecurityProtocol.forName(protocol));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key, value, "unknown security protocol " + protocol
                        + " (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)");
            }
        }
        return new ListenerProtocols(protocols);
    }

    /** @throws ConfigException (naming {@code key}) the listener is not in the map */
    public SecurityProtocol protocolOf(String key, String listenerName) {
        SecurityProtocol protocol = protocols.get(listenerName.toUpperCase(Locale.ROOT));
        if (protocol == null) {
            throw new ConfigException(key, listenerName, "listener " + listenerName + " has no security protocol in "
                    + BrokerConfig.LISTENER_SECURITY_PROTOCOL_MAP + " " + protocols.keySet());
        }
        return protocol;
    }
}
