package io.dlog.kafka.interbroker;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.SecurityConfigs;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ChannelBuilder;
import org.apache.kafka.common.network.ChannelBuilders;
import org.apache.kafka.common.network.ConnectionMode;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.network.PlaintextChannelBuilder;
import org.apache.kafka.common.network.SslChannelBuilder;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

/**
 * How this node connects to the other nodes' inter-broker listener ({@code inter.broker.listener.name},
 * else the listener of {@code security.inter.broker.protocol}, else the first client listener), as
 * Kafka's brokers do: PLAINTEXT; TLS as a client with that listener's {@code ssl.*} settings
 * ({@code listener.name.<l>.} overrides first), trusting {@code ssl.truststore.*} and verifying host
 * names ({@code ssl.endpoint.identification.algorithm}); SASL_PLAINTEXT and SASL_SSL with the mechanism
 * {@code sasl.mechanism.inter.broker.protocol}, logging in with the {@code username} and {@code password}
 * of the listener's JAAS entry for that mechanism ({@code listener.name.<l>.<mechanism>.sasl.jaas.config},
 * else {@code sasl.jaas.config}, else the {@code KafkaServer} section of the JAAS file), Kafka's own SASL
 * client. Stateless.
 */
public final class InterBrokerChannels {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InterBrokerChannels.class);

    private InterBrokerChannels() {
    }

    /**
     * A configured channel builder for the inter-broker listener; the caller's client owns and closes it.
     * A SASL listener whose settings cannot make a client (GSSAPI, no JAAS entry) is logged as an error,
     * and connections to it then fail.
     */
    public static ChannelBuilder forInterBrokerListener(BrokerConfig config) {
        BrokerConfig.Listener listener = config.listener();
        SecurityProtocol protocol = config.securityProtocol(listener.name());
        ListenerName name = ListenerName.normalised(listener.name());
        switch (protocol) {
            case SSL: {
                ChannelBuilder ssl = new SslChannelBuilder(ConnectionMode.CLIENT, name, true);
                ssl.configure(SecurityConfigs.forListener(config.staticValues(), listener.name()));
                return ssl;
            }
            case SASL_PLAINTEXT:
            case SASL_SSL:
                try {
                    return sasl(config, listener, protocol, name);
                } catch (RuntimeException e) {
                    // The node still serves clients; what needs other nodes (replication, markers) fails
                    // and says why in its own logs too.
                    LOG.error("Inter-broker connections over {} ({}) cannot be made: {}", listener.name(), protocol,
                            e.getMessage());
                    return plaintext(name);
                }
            default:
                return plaintext(name);
        }
    }

    private static ChannelBuilder plaintext(ListenerName name) {
        ChannelBuilder plaintext = new PlaintextChannelBuilder(name);
        plaintext.configure(Map.of());
        return plaintext;
    }

    private static ChannelBuilder sasl(BrokerConfig config, BrokerConfig.Listener listener, SecurityProtocol protocol,
                                       ListenerName name) {
        // The listener's settings with its prefix taken off, typed, as the server side reads them.
        Map<String, Object> settings = new HashMap<>(SecurityConfigs.forListener(config.staticValues(), listener.name()));
        Object configured = settings.get(BrokerSecurityConfigs.SASL_MECHANISM_INTER_BROKER_PROTOCOL_CONFIG);
        String mechanism = configured == null ? SaslConfigs.GSSAPI_MECHANISM : configured.toString();
        if (SaslConfigs.GSSAPI_MECHANISM.equals(mechanism)) {
            throw new ConfigException(BrokerSecurityConfigs.SASL_MECHANISM_INTER_BROKER_PROTOCOL_CONFIG, mechanism,
                    "the inter-broker listener " + listener.name() + " is " + protocol + ": set its mechanism to PLAIN, "
                            + "SCRAM-SHA-256 or SCRAM-SHA-512 (DLog has no GSSAPI)");
        }
        String jaasKey = mechanism.toLowerCase(Locale.ROOT) + "." + SaslConfigs.SASL_JAAS_CONFIG;
        if (settings.get(jaasKey) == null && settings.get(SaslConfigs.SASL_JAAS_CONFIG) != null) {
            settings.put(jaasKey, settings.get(SaslConfigs.SASL_JAAS_CONFIG));
        }
        // No definitions: Kafka's builder then takes every setting as given (typed above) instead of
        // re-parsing them, and finds the mechanism's JAAS entry under the key the server side uses.
        AbstractConfig asConfig = new AbstractConfig(new ConfigDef(), settings, false);
        return ChannelBuilders.clientChannelBuilder(protocol, JaasContext.Type.SERVER, asConfig, name, mechanism,
                Time.SYSTEM, new LogContext("[InterBroker " + listener.name() + "] "));
    }
}
