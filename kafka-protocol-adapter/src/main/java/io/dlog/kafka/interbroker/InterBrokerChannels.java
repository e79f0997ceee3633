package io.dlog.kafka.interbroker;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.config.SecurityConfigs;
import java.util.Map;
import org.apache.kafka.common.network.ChannelBuilder;
import org.apache.kafka.common.network.ConnectionMode;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.network.PlaintextChannelBuilder;
import org.apache.kafka.common.network.SslChannelBuilder;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this node connects to the other nodes' inter-broker listener ({@code inter.broker.listener.name},
 * else the listener of {@code security.inter.broker.protocol}, else the first client listener): in
 * PLAINTEXT, or in TLS as a client with that listener's {@code ssl.*} settings ({@code listener.name.<l>.}
 * overrides first), trusting {@code ssl.truststore.*} and verifying host names as Kafka's brokers do
 * ({@code ssl.endpoint.identification.algorithm}). Stateless.
 */
public final class InterBrokerChannels {
    private static final Logger LOG = LoggerFactory.getLogger(InterBrokerChannels.class);

    private InterBrokerChannels() {
    }

    /** A configured channel builder for the inter-broker listener; the caller's client owns and closes it. */
    public static ChannelBuilder forInterBrokerListener(BrokerConfig config) {
        BrokerConfig.Listener listener = config.listener();
        SecurityProtocol protocol = config.securityProtocol(listener.name());
        ListenerName name = ListenerName.normalised(listener.name());
        if (protocol == SecurityProtocol.SSL) {
            ChannelBuilder ssl = new SslChannelBuilder(ConnectionMode.CLIENT, name, true);
            ssl.configure(SecurityConfigs.forListener(config.staticValues(), listener.name()));
            return ssl;
        }
        if (protocol != SecurityProtocol.PLAINTEXT) {
            LOG.error("The inter-broker listener {} uses {}, which inter-broker requests do not speak yet: transaction "
                    + "markers and checks will fail; set inter.broker.listener.name to a PLAINTEXT or SSL listener",
                    listener.name(), protocol);
        }
        ChannelBuilder plaintext = new PlaintextChannelBuilder(name);
        plaintext.configure(Map.of());
        return plaintext;
    }
}
