package io.dlog.kafka.security;

import java.util.Map;
import javax.net.ssl.SSLEngine;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;

/**
 * Server-side TLS engines of one listener, built by Kafka's own {@link DefaultSslEngineFactory} from the
 * listener's {@code ssl.*} settings: PKCS12, JKS and PEM key and trust stores (files or inline PEM),
 * {@code ssl.client.auth}, {@code ssl.enabled.protocols}, {@code ssl.cipher.suites},
 * {@code ssl.provider}. The JDK's TLS implementation does the work (netty-tcnative is not on the
 * class path). Thread-safe: engines are created per connection from one immutable SSLContext.
 */
public final class TlsEngines implements AutoCloseable {
    private final DefaultSslEngineFactory factory;

    private TlsEngines(DefaultSslEngineFactory factory) {
        this.factory = factory;
    }

    /**
     * Loads the stores now, so a wrong path or password fails the start, not the first connection.
     *
     * @throws ConfigException no key store, or one that cannot be loaded (the message says why)
     */
    public static TlsEngines configure(String listenerName, Map<String, Object> settings) {
        if (settings.get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG) == null
                && settings.get(SslConfigs.SSL_KEYSTORE_KEY_CONFIG) == null) {
            throw new ConfigException("listener " + listenerName + " uses TLS but has no key store: set "
                    + SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG + " (or " + SslConfigs.SSL_KEYSTORE_KEY_CONFIG + " and "
                    + SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG + " in PEM), or its listener.name."
                    + listenerName.toLowerCase(java.util.Locale.ROOT) + ". form");
        }
        DefaultSslEngineFactory factory = new DefaultSslEngineFactory();
        try {
            factory.configure(settings);
        } catch (KafkaException e) {
            throw new ConfigException("listener " + listenerName + ": TLS settings cannot be used: " + rootMessage(e));
        }
        return new TlsEngines(factory);
    }

    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
            message.append(": ").append(cause.getMessage());
        }
        return message.toString();
    }

    /** A server engine for one connection; the peer's address is a hint for session resumption only. */
    public SSLEngine newEngine(String peerHost, int peerPort) {
        return factory.createServerSslEngine(peerHost, peerPort);
    }

    @Override
    public void close() {
        factory.close();
    }
}
