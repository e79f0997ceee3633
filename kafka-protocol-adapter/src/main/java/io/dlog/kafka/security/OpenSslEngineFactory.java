package io.dlog.kafka.security;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.auth.SslEngineFactory;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka {@link SslEngineFactory} whose server engines are OpenSSL's (BoringSSL through Netty's
 * netty-tcnative), chosen per listener with Kafka's own key:
 * {@code listener.name.<listener>.ssl.engine.factory.class=io.dlog.kafka.security.OpenSslEngineFactory}
 * (or {@code ssl.engine.factory.class} for every TLS listener). Kafka itself offers only the JDK's TLS; this
 * is DLog's addition through Kafka's plug-in point, so the {@code ssl.*} settings mean what they mean to
 * Kafka's {@link DefaultSslEngineFactory}, which loads and checks the key and trust stores (PKCS12, JKS,
 * PEM) and serves client engines (inter-broker connections) unchanged.
 *
 * <p>From those stores the server side builds Netty's OpenSSL context: the key store's key (with
 * {@code ssl.key.password}, else for JKS and PKCS12 {@code ssl.keystore.password}), the trust store (else
 * the JDK's default trust), {@code ssl.client.auth}, {@code ssl.enabled.protocols}, {@code ssl.cipher.suites}.
 * Where netty-tcnative cannot load (not on the class path, a platform without its natives) the JDK's
 * engines serve, and one WARN line says so and why.
 *
 * <p>Thread-safe once configured: engines are made per connection from one immutable context.
 */
public final class OpenSslEngineFactory implements SslEngineFactory {
    private static final Logger LOG = LoggerFactory.getLogger(OpenSslEngineFactory.class);

    private final DefaultSslEngineFactory stores = new DefaultSslEngineFactory();
    private SslContext openSsl;

    @Override
    public void configure(Map<String, ?> configs) {
        stores.configure(configs);
        if (!OpenSsl.isAvailable()) {
            LOG.warn("OpenSSL (netty-tcnative) is not available, TLS uses the JDK's engines: {}",
                    OpenSsl.unavailabilityCause() == null ? "unknown cause" : OpenSsl.unavailabilityCause().toString());
            return;
        }
        try {
            openSsl = serverContext(configs, stores.keystore(), stores.truststore());
        } catch (GeneralSecurityException | SSLException | RuntimeException e) {
            throw new KafkaException("OpenSSL cannot use the TLS settings: " + e.getMessage(), e);
        }
        LOG.info("TLS server engines from {} (netty-tcnative)", OpenSsl.versionString());
    }

    /** Whether the server engines are OpenSSL's (false: the JDK's, netty-tcnative could not load). */
    public boolean usesOpenSsl() {
        return openSsl != null;
    }

    private static SslContext serverContext(Map<String, ?> configs, KeyStore keystore, KeyStore truststore)
            throws GeneralSecurityException, SSLException {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(string(configs, SslConfigs.SSL_KEYMANAGER_ALGORITHM_CONFIG,
                KeyManagerFactory.getDefaultAlgorithm()));
        keys.init(keystore, keyPassword(configs));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(string(configs,
                SslConfigs.SSL_TRUSTMANAGER_ALGORITHM_CONFIG, TrustManagerFactory.getDefaultAlgorithm()));
        trust.init(truststore); // null: the JDK's default trust, as Kafka
        SslContextBuilder builder = SslContextBuilder.forServer(keys).trustManager(trust)
                .sslProvider(SslProvider.OPENSSL).clientAuth(clientAuth(configs));
        List<String> protocols = list(configs.get(SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG));
        builder.protocols(protocols.isEmpty() ? List.of("TLSv1.2", "TLSv1.3") : protocols);
        List<String> ciphers = list(configs.get(SslConfigs.SSL_CIPHER_SUITES_CONFIG));
        if (!ciphers.isEmpty()) {
            builder.ciphers(ciphers);
        }
        return builder.build();
    }

    /** Kafka's rule: {@code ssl.key.password}, else the store's password for JKS and PKCS12 (a PEM key has none). */
    private static char[] keyPassword(Map<String, ?> configs) {
        Object key = configs.get(SslConfigs.SSL_KEY_PASSWORD_CONFIG);
        if (key == null && !DefaultSslEngineFactory.PEM_TYPE.equals(configs.get(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG))) {
            key = configs.get(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG);
        }
        if (key == null) {
            return new char[0];
        }
        return (key instanceof Password password ? password.value() : key.toString()).toCharArray();
    }

    private static ClientAuth clientAuth(Map<String, ?> configs) {
        Object value = configs.get(BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG);
        String mode = value == null ? "none" : value.toString().toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "required" -> ClientAuth.REQUIRE;
            case "requested" -> ClientAuth.OPTIONAL;
            default -> ClientAuth.NONE;
        };
    }

    private static String string(Map<String, ?> configs, String key, String fallback) {
        Object value = configs.get(key);
        return value == null ? fallback : value.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> values) {
            return ((List<Object>) values).stream().map(Object::toString).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        return java.util.Arrays.stream(value.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    @Override
    public SSLEngine createServerSslEngine(String peerHost, int peerPort) {
        return openSsl == null ? stores.createServerSslEngine(peerHost, peerPort)
                : openSsl.newEngine(ByteBufAllocator.DEFAULT, peerHost, peerPort);
    }

    @Override
    public SSLEngine createClientSslEngine(String peerHost, int peerPort, String endpointIdentification) {
        return stores.createClientSslEngine(peerHost, peerPort, endpointIdentification);
    }

    @Override
    public boolean shouldBeRebuilt(Map<String, Object> nextConfigs) {
        return stores.shouldBeRebuilt(nextConfigs);
    }

    @Override
    public Set<String> reconfigurableConfigs() {
        return stores.reconfigurableConfigs();
    }

    @Override
    public KeyStore keystore() {
        return stores.keystore();
    }

    @Override
    public KeyStore truststore() {
        return stores.truststore();
    }

    @Override
    public void close() {
        stores.close();
    }
}
