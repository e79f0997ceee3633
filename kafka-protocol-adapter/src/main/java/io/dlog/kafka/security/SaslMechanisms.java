package io.dlog.kafka.security;

import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.plain.internals.PlainServerCallbackHandler;
import org.apache.kafka.common.security.scram.ScramCredentialCallback;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslServer;

/**
 * The SASL mechanisms a listener offers ({@code sasl.enabled.mechanisms}) and a server for each,
 * Kafka's own: {@link PlainSaslServer} checking users against the JAAS configuration (Kafka's
 * {@code user_<name>="<password>"} options of {@code PlainLoginModule}, read from
 * {@code listener.name.<listener>.plain.sasl.jaas.config}, else {@code sasl.jaas.config}, else the
 * JAAS file's {@code KafkaServer} section), and {@link ScramSaslServer} checking proofs against the
 * credentials of the cluster image. GSSAPI and OAUTHBEARER are refused at start.
 *
 * <p>Built at start-up; immutable and thread-safe (Kafka's PLAIN callback handler only reads its JAAS
 * options). Each connection gets its own {@link SaslServer}.
 */
public final class SaslMechanisms {
    public static final String PLAIN = "PLAIN";
    private static final Set<String> SUPPORTED = Set.of(PLAIN, "SCRAM-SHA-256", "SCRAM-SHA-512");

    private final List<String> enabled;
    private final PlainServerCallbackHandler plainUsers;
    private final ScramCredentialStore scramCredentials;

    private SaslMechanisms(List<String> enabled, PlainServerCallbackHandler plainUsers, ScramCredentialStore scramCredentials) {
        this.enabled = enabled;
        this.plainUsers = plainUsers;
        this.scramCredentials = scramCredentials;
    }

    /**
     * @param settings the listener's security settings ({@code SecurityConfigs.forListener})
     * @throws ConfigException a mechanism DLog does not offer, or PLAIN without a JAAS configuration
     */
    public static SaslMechanisms configure(String listenerName, Map<String, Object> settings, ScramCredentialStore scram) {
        @SuppressWarnings("unchecked")
        List<String> enabled = List.copyOf((List<String>) settings.get(BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG));
        for (String mechanism : enabled) {
            if (!SUPPORTED.contains(mechanism)) {
                throw new ConfigException(BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG, enabled,
                        "listener " + listenerName + ": DLog offers PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, not " + mechanism);
            }
        }
        PlainServerCallbackHandler plain = null;
        if (enabled.contains(PLAIN)) {
            ListenerName name = new ListenerName(listenerName.toUpperCase(Locale.ROOT));
            Map<String, Object> jaasSettings = new HashMap<>(settings);
            // The listener's settings have their listener prefix taken off already, as in Kafka.
            String listenerKey = PLAIN.toLowerCase(Locale.ROOT) + "." + SaslConfigs.SASL_JAAS_CONFIG;
            if (jaasSettings.get(listenerKey) == null && settings.get(SaslConfigs.SASL_JAAS_CONFIG) != null) {
                jaasSettings.put(listenerKey, (Password) settings.get(SaslConfigs.SASL_JAAS_CONFIG));
            }
            JaasContext jaas;
            try {
                jaas = JaasContext.loadServerContext(name, PLAIN, jaasSettings);
            } catch (RuntimeException e) {
                throw new ConfigException("listener " + listenerName + " offers PLAIN but has no usable JAAS configuration ("
                        + name.saslMechanismConfigPrefix(PLAIN) + SaslConfigs.SASL_JAAS_CONFIG + "): " + e.getMessage());
            }
            plain = new PlainServerCallbackHandler();
            plain.configure(settings, PLAIN, jaas.configurationEntries());
        }
        return new SaslMechanisms(enabled, plain, scram);
    }

    /** The enabled mechanisms, in their configured order (SaslHandshake lists them). */
    public List<String> enabled() {
        return enabled;
    }

    /** A server for one authentication with an enabled {@code mechanism}. */
    SaslServer newServer(String mechanism) throws SaslException {
        if (!enabled.contains(mechanism)) {
            throw new IllegalStateException(mechanism + " is not enabled");
        }
        if (mechanism.equals(PLAIN)) {
            return new PlainSaslServer(plainUsers);
        }
        try {
            return new ScramSaslServer(ScramMechanism.forMechanismName(mechanism), Map.of(), scramCallbacks(mechanism));
        } catch (NoSuchAlgorithmException e) {
            throw new SaslException("no " + mechanism + " in this JVM", e);
        }
    }

    /**
     * Whether {@code password} is {@code user}'s for one of the enabled mechanisms: PLAIN through Kafka's own
     * PlainSaslServer (the JAAS users), SCRAM by deriving the StoredKey from the password with the stored salt
     * and iterations (RFC 5802) and comparing it in constant time. For endpoints that take a user name and
     * password rather than a SASL exchange (the Arrow Flight endpoint's basic authentication).
     */
    public boolean checkPassword(String user, String password) {
        if (user == null || password == null || user.isEmpty()) {
            return false;
        }
        for (String mechanism : enabled) {
            if (mechanism.equals(PLAIN)) {
                try {
                    SaslServer server = new PlainSaslServer(plainUsers);
                    server.evaluateResponse(("\0" + user + "\0" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    if (server.isComplete()) {
                        return true;
                    }
                } catch (SaslException | org.apache.kafka.common.errors.SaslAuthenticationException e) {
                    // Not this mechanism's user, or a wrong password: try the next mechanism.
                }
            } else if (scramPasswordMatches(mechanism, user, password)) {
                return true;
            }
        }
        return false;
    }

    private boolean scramPasswordMatches(String mechanism, String user, String password) {
        java.util.Optional<org.apache.kafka.common.security.scram.ScramCredential> stored = scramCredentials.credential(user, mechanism);
        if (stored.isEmpty()) {
            return false;
        }
        try {
            org.apache.kafka.common.security.scram.internals.ScramFormatter formatter =
                    new org.apache.kafka.common.security.scram.internals.ScramFormatter(ScramMechanism.forMechanismName(mechanism));
            byte[] salted = formatter.saltedPassword(password, stored.get().salt(), stored.get().iterations());
            byte[] storedKey = formatter.storedKey(formatter.clientKey(salted));
            return java.security.MessageDigest.isEqual(storedKey, stored.get().storedKey());
        } catch (NoSuchAlgorithmException | java.security.InvalidKeyException e) {
            return false;
        }
    }

    /** Answers ScramSaslServer's questions from the image; delegation tokens are not offered. */
    private CallbackHandler scramCallbacks(String mechanism) {
        return callbacks -> {
            String user = null;
            for (Callback callback : callbacks) {
                if (callback instanceof NameCallback name) {
                    user = name.getDefaultName();
                } else if (callback instanceof ScramCredentialCallback credential && user != null) {
                    credential.scramCredential(scramCredentials.credential(user, mechanism).orElse(null));
                } else {
                    throw new UnsupportedCallbackException(callback, "delegation tokens are not supported");
                }
            }
        };
    }
}
