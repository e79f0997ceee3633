package io.dlog.kafka.security;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.SecurityConfigs;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * How one listener secures its connections: its security protocol and, for SSL and SASL_SSL, its TLS
 * engines. Built once at start-up from the broker's settings; immutable and shared by the listener's
 * connections.
 */
public final class ListenerSecurity {
    private final String listenerName;
    private final SecurityProtocol protocol;
    private final TlsEngines tls;

    private ListenerSecurity(String listenerName, SecurityProtocol protocol, TlsEngines tls) {
        this.listenerName = listenerName;
        this.protocol = protocol;
        this.tls = tls;
    }

    /** A PLAINTEXT listener (tests and tools). */
    public static ListenerSecurity plaintext(String listenerName) {
        return new ListenerSecurity(listenerName, SecurityProtocol.PLAINTEXT, null);
    }

    /**
     * The security of {@code listenerName} as {@code config} sets it.
     *
     * @throws org.apache.kafka.common.config.ConfigException a setting is missing or unusable
     */
    public static ListenerSecurity of(BrokerConfig config, String listenerName) {
        SecurityProtocol protocol = config.securityProtocol(listenerName);
        Map<String, Object> settings = SecurityConfigs.forListener(config.staticValues(), listenerName);
        boolean usesTls = protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
        return new ListenerSecurity(listenerName, protocol, usesTls ? TlsEngines.configure(listenerName, settings) : null);
    }

    public String listenerName() {
        return listenerName;
    }

    public SecurityProtocol protocol() {
        return protocol;
    }

    /** The TLS engines, when the listener speaks TLS. */
    public Optional<TlsEngines> tls() {
        return Optional.ofNullable(tls);
    }
}
