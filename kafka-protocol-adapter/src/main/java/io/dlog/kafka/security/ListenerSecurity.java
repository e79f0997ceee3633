package io.dlog.kafka.security;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.SecurityConfigs;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

/**
 * How one listener secures its connections: its security protocol, its TLS engines (SSL, SASL_SSL),
 * its SASL mechanisms (SASL_PLAINTEXT, SASL_SSL), {@code connections.max.reauth.ms}, and Kafka's
 * default principal builder (with {@code ssl.principal.mapping.rules}). Built once at start-up;
 * immutable and shared by the listener's connections.
 */
public final class ListenerSecurity {
    private final String listenerName;
    private final SecurityProtocol protocol;
    private final TlsEngines tls;
    private final SaslMechanisms sasl;
    private final long maxReauthMs;
    private final KafkaPrincipalBuilder principals;
    private int saslMaxReceiveBytes = BrokerSecurityConfigs.DEFAULT_SASL_SERVER_MAX_RECEIVE_SIZE;

    private ListenerSecurity(String listenerName, SecurityProtocol protocol, TlsEngines tls, SaslMechanisms sasl,
                             long maxReauthMs, KafkaPrincipalBuilder principals) {
        this.listenerName = listenerName;
        this.protocol = protocol;
        this.tls = tls;
        this.sasl = sasl;
        this.maxReauthMs = maxReauthMs;
        this.principals = principals;
    }

    /** A PLAINTEXT listener (tests and tools). */
    public static ListenerSecurity plaintext(String listenerName) {
        return new ListenerSecurity(listenerName, SecurityProtocol.PLAINTEXT, null, null, 0,
                new DefaultKafkaPrincipalBuilder(null, null));
    }

    /** The security of {@code listenerName} as {@code config} sets it, without SCRAM users. */
    public static ListenerSecurity of(BrokerConfig config, String listenerName) {
        return of(config, listenerName, ScramCredentialStore.NONE);
    }

    /**
     * The security of {@code listenerName} as {@code config} sets it.
     *
     * @param scram where SCRAM mechanisms find credentials
     * @throws org.apache.kafka.common.config.ConfigException a setting is missing or unusable
     */
    public static ListenerSecurity of(BrokerConfig config, String listenerName, ScramCredentialStore scram) {
        SecurityProtocol protocol = config.securityProtocol(listenerName);
        Map<String, Object> settings = SecurityConfigs.forListener(config.staticValues(), listenerName);
        boolean usesTls = protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
        boolean usesSasl = protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
        String rules = (String) settings.get(BrokerSecurityConfigs.SSL_PRINCIPAL_MAPPING_RULES_CONFIG);
        ListenerSecurity security = new ListenerSecurity(listenerName, protocol,
                usesTls ? TlsEngines.configure(listenerName, settings) : null,
                usesSasl ? SaslMechanisms.configure(listenerName, settings, scram) : null,
                (Long) settings.get(BrokerSecurityConfigs.CONNECTIONS_MAX_REAUTH_MS_CONFIG),
                new DefaultKafkaPrincipalBuilder(null, SslPrincipalMapper.fromRules(rules)));
        security.saslMaxReceiveBytes = (Integer) settings.get(BrokerSecurityConfigs.SASL_SERVER_MAX_RECEIVE_SIZE_CONFIG);
        return security;
    }

    /** sasl.server.max.receive.size: the largest frame an unauthenticated SASL client may send. */
    public int saslMaxReceiveBytes() {
        return saslMaxReceiveBytes;
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

    /** The SASL mechanisms, when clients must authenticate with SASL. */
    public Optional<SaslMechanisms> sasl() {
        return Optional.ofNullable(sasl);
    }

    /** connections.max.reauth.ms: the longest SASL session; 0 for sessions without end. */
    public long maxReauthMs() {
        return maxReauthMs;
    }

    KafkaPrincipalBuilder principals() {
        return principals;
    }
}
