package io.dlog.kafka.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.config.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

class ConnectionAuthenticatorTest {
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "user_alice=\"alice-secret\" user_bob=\"bob-secret\";";

    private final AtomicLong nanos = new AtomicLong();
    private final ConnectionAuthenticator auth = new ConnectionAuthenticator(ListenerSecurity.of(BrokerConfig.parse(Map.of(
            "listeners", "SASL_PLAINTEXT://:9092", "sasl.enabled.mechanisms", "PLAIN",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config", JAAS,
            "connections.max.reauth.ms", "1000")), "SASL_PLAINTEXT"), null, Optional::empty, nanos::get);

    private SaslAuthenticateResponseData plain(String user, String password) {
        auth.handshake(new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 1);
        byte[] token = ("\u0000" + user + "\u0000" + password).getBytes(StandardCharsets.UTF_8);
        return auth.authenticate(new SaslAuthenticateRequestData().setAuthBytes(token), (short) 2);
    }

    @Test
    void shouldServeOnlyApiVersionsAndSaslHandshakeBeforeAuthentication() {
        assertThat(auth.route(ApiKeys.API_VERSIONS)).isEqualTo(ConnectionAuthenticator.Route.DISPATCH);
        assertThat(auth.route(ApiKeys.SASL_HANDSHAKE)).isEqualTo(ConnectionAuthenticator.Route.AUTHENTICATE);
        assertThat(auth.route(ApiKeys.METADATA)).isEqualTo(ConnectionAuthenticator.Route.CLOSE);
        assertThat(auth.principal()).isEqualTo(KafkaPrincipal.ANONYMOUS);
    }

    @Test
    void shouldAuthenticateAndEndTheSessionAfterConnectionsMaxReauthMs() {
        // When
        SaslAuthenticateResponseData response = plain("alice", "alice-secret");

        // Then
        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.sessionLifetimeMs()).isEqualTo(1000);
        assertThat(auth.principal()).isEqualTo(new KafkaPrincipal(KafkaPrincipal.USER_TYPE, "alice"));
        assertThat(auth.route(ApiKeys.METADATA)).isEqualTo(ConnectionAuthenticator.Route.DISPATCH);
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1000));
        assertThat(auth.route(ApiKeys.METADATA)).isEqualTo(ConnectionAuthenticator.Route.CLOSE);
        assertThat(auth.route(ApiKeys.SASL_HANDSHAKE)).isEqualTo(ConnectionAuthenticator.Route.AUTHENTICATE);
    }

    @Test
    void shouldReauthenticateTheSamePrincipalAndRefuseAnother() {
        plain("alice", "alice-secret");
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(900));

        assertThat(plain("alice", "alice-secret").errorCode()).isEqualTo(Errors.NONE.code());
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(900));
        assertThat(auth.route(ApiKeys.METADATA)).as("a new session began").isEqualTo(ConnectionAuthenticator.Route.DISPATCH);

        SaslAuthenticateResponseData other = plain("bob", "bob-secret");
        assertThat(other.errorCode()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
        assertThat(other.errorMessage()).contains("Cannot change principals during re-authentication");
        assertThat(auth.closeAfterResponse()).isTrue();
    }

    @Test
    void shouldAnswerAWrongPasswordWithKafkasMessageAndCloseAfterIt() {
        SaslAuthenticateResponseData response = plain("alice", "wrong");

        assertThat(response.errorCode()).isEqualTo(Errors.SASL_AUTHENTICATION_FAILED.code());
        assertThat(response.errorMessage()).isEqualTo("Authentication failed: Invalid username or password");
        assertThat(auth.closeAfterResponse()).isTrue();
        assertThat(auth.route(ApiKeys.METADATA)).isEqualTo(ConnectionAuthenticator.Route.CLOSE);
    }

    @Test
    void shouldRefuseAMechanismTheListenerDoesNotOffer() {
        var response = auth.handshake(new SaslHandshakeRequestData().setMechanism("GSSAPI"), (short) 1);

        assertThat(response.errorCode()).isEqualTo(Errors.UNSUPPORTED_SASL_MECHANISM.code());
        assertThat(response.mechanisms()).containsExactly("PLAIN");
        assertThat(auth.closeAfterResponse()).isTrue();
    }
}
