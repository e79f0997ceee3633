package io.dlog.kafka.security;

import java.util.Map;
import javax.net.ssl.SSLEngine;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.auth.SslEngineFactory;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.apache.kafka.common.utils.Utils;

/**
 * Server-side TLS engines of one listener, built from the listener's {@code ssl.*} settings by the
 * factory {@code ssl.engine.factory.class} names (Kafka's plug-in point), by default Kafka's own
 * {@link DefaultSslEngineFactory}: PKCS12, JKS and PEM key and trust stores (files or inline PEM),
 * {@code ssl.client.auth}, {@code ssl.enabled.protocols}, {@code ssl.cipher.suites}, {@code ssl.provider},
 * with the JDK's TLS. {@link OpenSslEngineFactory} serves the same settings with OpenSSL (netty-tcnative).
 * Thread-safe: engines are created per connection from one immutable context.
 */
public final class TlsEngines implements AutoCloseable {
    private final SslEngineFactory factory;

    private TlsEngines(SslEngineFactory factory) {
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
        Object factoryClass = settings.get(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG);
        SslEngineFactory factory;
        try {
            factory = factoryClass == null ? new DefaultSslEngineFactory()
                    : Utils.newInstance(factoryClass instanceof Class<?> type ? type : Class.forName(factoryClass.toString()),
                    SslEngineFactory.class);
        } catch (ClassNotFoundException | KafkaException e) {
            throw new ConfigException("listener " + listenerName + ": " + SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG + " "
                    + factoryClass + " cannot be used: " + rootMessage(e));
        }
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

    /** The factory in use (tests check which engines it makes). */
    public SslEngineFactory factory() {
        return factory;
    }

    /** A server engine for one connection; the peer's address is a hint for session resumption only. */
    public SSLEngine newEngine(String peerHost, int peerPort) {
        return factory.createServerSslEngine(peerHost, peerPort);
    }

    @Override
    public void close() {
        try {
            factory.close();
        } catch (java.io.IOException e) {
            org.slf4j.LoggerFactory.getLogger(TlsEngines.class).warn("Closing the TLS engine factory failed", e);
        }
    }
}
