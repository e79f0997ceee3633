package io.dlog.kafka.security;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLSession;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.PlaintextAuthenticationContext;
import org.apache.kafka.common.security.auth.SaslAuthenticationContext;
import org.apache.kafka.common.security.auth.SslAuthenticationContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authentication state of one connection, as Kafka's {@code SaslServerAuthenticator} keeps it.
 *
 * <p>On a SASL listener a connection starts unauthenticated: it may send ApiVersions and SaslHandshake
 * (v1, KIP-152), then SaslAuthenticate requests until the mechanism's server completes; any other
 * request closes the connection. A failed authentication is answered (SASL_AUTHENTICATION_FAILED with
 * Kafka's message) and then closes it; an unsupported mechanism likewise (UNSUPPORTED_SASL_MECHANISM).
 * Once authenticated, requests go to their handlers with the principal ({@code User:<name>}).
 *
 * <p>Re-authentication (KIP-368): with {@code connections.max.reauth.ms} above zero the session lasts
 * that long (told to SaslAuthenticate v1+ clients as {@code session_lifetime_ms}); a SaslHandshake on an
 * authenticated connection starts a re-authentication, which must use the same mechanism and prove the
 * same principal; after the session has expired any request but SaslHandshake closes the connection.
 *
 * <p>On other listeners the principal is Kafka's: ANONYMOUS, or for TLS with a client certificate the
 * certificate's subject as {@code ssl.principal.mapping.rules} maps it.
 *
 * <p>Confined to the connection's event loop.
 */
public final class ConnectionAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionAuthenticator.class);

    /** What the connection does with a request. */
    public enum Route {
        /** To the API's handler. */
        DISPATCH,
        /** Answered by {@link #handshake} or {@link #authenticate}. */
        AUTHENTICATE,
        /** Not allowed now: close the connection without an answer. */
        CLOSE
    }

    private enum State { START, AUTHENTICATING, AUTHENTICATED, REAUTHENTICATING, FAILED }

    private final ListenerSecurity security;
    private final InetAddress clientAddress;
    private final Supplier<Optional<SSLSession>> sslSession;
    private final LongSupplier nanoTime;
    private State state = State.START;
    private SaslServer server;
    private String mechanism;
    private KafkaPrincipal principal;
    private short authenticateVersion;
    private long sessionExpiresNanos;
    private boolean sessionEnds;
    private boolean closeAfterResponse;
    private String closeReason;
    /** After SaslHandshake v0: the client sends bare tokens until authentication completes. */
    private boolean rawTokens;

    /**
     * @param sslSession the connection's TLS session once its handshake is done (empty without TLS)
     * @param nanoTime   monotonic time (injected for tests)
     */
    public ConnectionAuthenticator(ListenerSecurity security, InetAddress clientAddress,
                                   Supplier<Optional<SSLSession>> sslSession, LongSupplier nanoTime) {
        this.security = security;
        this.clientAddress = clientAddress;
        this.sslSession = sslSession;
        this.nanoTime = nanoTime;
    }

    /** Where a request of this API goes, given the connection's state. */
    public Route route(ApiKeys key) {
        if (security.sasl().isEmpty()) {
            return Route.DISPATCH;
        }
        switch (state) {
            case START:
                if (key == ApiKeys.API_VERSIONS) {
                    return Route.DISPATCH;
                }
                return key == ApiKeys.SASL_HANDSHAKE ? Route.AUTHENTICATE
                        : refuse("Unexpected Kafka request of type " + key + " during SASL handshake");
            case AUTHENTICATING:
                return key == ApiKeys.SASL_AUTHENTICATE ? Route.AUTHENTICATE
                        : refuse("Unexpected Kafka request of type " + key + " during SASL authentication");
            case AUTHENTICATED:
                if (key == ApiKeys.SASL_HANDSHAKE && reauthenticationAllowed()) {
                    return Route.AUTHENTICATE;
                }
                return expired() ? refuse("the SASL session expired (connections.max.reauth.ms)") : Route.DISPATCH;
            case REAUTHENTICATING:
                if (key == ApiKeys.SASL_AUTHENTICATE) {
                    return Route.AUTHENTICATE;
                }
                return expired() ? refuse("the SASL session expired during re-authentication") : Route.DISPATCH;
            default:
                return refuse("authentication failed");
        }
    }

    private Route refuse(String why) {
        closeReason = why;
        return Route.CLOSE;
    }

    private boolean reauthenticationAllowed() {
        return security.maxReauthMs() > 0 && authenticateVersion >= 1;
    }

    private boolean expired() {
        return sessionEnds && nanoTime.getAsLong() - sessionExpiresNanos >= 0;
    }

    /**
     * Answers a SaslHandshake the route sent here: picks the mechanism and starts its server. After v0
     * the client sends bare tokens ({@link #authenticateRaw}); after v1, SaslAuthenticate requests.
     */
    public SaslHandshakeResponseData handshake(SaslHandshakeRequestData request, short version) {
        List<String> enabled = security.sasl().orElseThrow().enabled();
        SaslHandshakeResponseData response = new SaslHandshakeResponseData().setMechanisms(enabled);
        String wanted = request.mechanism();
        boolean reauthenticating = state == State.AUTHENTICATED;
        if (reauthenticating && !wanted.equals(mechanism)) {
            return failHandshake(response.setMechanisms(List.of(mechanism)), "SASL mechanism '" + wanted
                    + "' requested by client is not supported for re-authentication of mechanism '" + mechanism + "'");
        }
        if (!enabled.contains(wanted)) {
            return failHandshake(response, "Client SASL mechanism '" + wanted + "' not enabled in the server, enabled mechanisms are "
                    + enabled);
        }
        try {
            server = security.sasl().get().newServer(wanted);
        } catch (SaslException e) {
            return failHandshake(response, e.getMessage());
        }
        mechanism = wanted;
        state = reauthenticating ? State.REAUTHENTICATING : State.AUTHENTICATING;
        // Re-authentication needs SaslAuthenticate (KIP-368), so only a first authentication may go bare.
        rawTokens = version == 0 && !reauthenticating;
        return response.setErrorCode(Errors.NONE.code());
    }

    private SaslHandshakeResponseData failHandshake(SaslHandshakeResponseData response, String why) {
        LOG.debug("SASL handshake from {} refused: {}", clientAddress, why);
        state = State.FAILED;
        closeAfter(why);
        return response.setErrorCode(Errors.UNSUPPORTED_SASL_MECHANISM.code());
    }

    /** Answers a SaslAuthenticate the route sent here: one step of the mechanism's exchange. */
    public SaslAuthenticateResponseData authenticate(SaslAuthenticateRequestData request, short version) {
        SaslAuthenticateResponseData response = new SaslAuthenticateResponseData().setAuthBytes(new byte[0]);
        try {
            byte[] challenge = server.evaluateResponse(request.authBytes());
            if (challenge != null) {
                response.setAuthBytes(challenge);
            }
            if (server.isComplete()) {
                complete(response, version);
            }
            return response;
        } catch (SaslAuthenticationException e) {
            return failAuthentication(response, e.getMessage());
        } catch (SaslException | RuntimeException e) {
            return failAuthentication(response, "Authentication failed during authentication due to invalid credentials "
                    + "with SASL mechanism " + mechanism);
        }
    }

    /** True until a SASL listener's client has authenticated (never on other listeners). */
    public boolean unauthenticated() {
        return security.sasl().isPresent() && state != State.AUTHENTICATED && state != State.REAUTHENTICATING;
    }

    /** True while frames are bare SASL tokens (after SaslHandshake v0, until authentication completes). */
    public boolean expectsRawTokens() {
        return rawTokens;
    }

    /**
     * One bare token of a v0 exchange: the server's challenge to send back bare (possibly empty), or
     * empty when authentication failed and the connection must close (v0 has no way to say why).
     */
    public Optional<byte[]> authenticateRaw(byte[] token) {
        SaslAuthenticateResponseData response = authenticate(new SaslAuthenticateRequestData().setAuthBytes(token), (short) 0);
        if (response.errorCode() != Errors.NONE.code()) {
            rawTokens = false;
            return Optional.empty();
        }
        if (state == State.AUTHENTICATED) {
            rawTokens = false;
        }
        return Optional.of(response.authBytes());
    }

    private void complete(SaslAuthenticateResponseData response, short version) {
        KafkaPrincipal authenticated = security.principals().build(new SaslAuthenticationContext(server,
                security.protocol(), clientAddress, security.listenerName(), sslSession.get()));
        disposeServer();
        if (state == State.REAUTHENTICATING && !authenticated.equals(principal)) {
            failAuthentication(response, "Cannot change principals during re-authentication from " + principal + ": "
                    + authenticated);
            return;
        }
        principal = authenticated;
        state = State.AUTHENTICATED;
        authenticateVersion = version;
        if (security.maxReauthMs() > 0) {
            sessionEnds = true;
            sessionExpiresNanos = nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(security.maxReauthMs());
            response.setSessionLifetimeMs(security.maxReauthMs());
        }
    }

    private SaslAuthenticateResponseData failAuthentication(SaslAuthenticateResponseData response, String why) {
        LOG.info("Failed authentication with {} ({})", clientAddress, why);
        disposeServer();
        state = State.FAILED;
        closeAfter(why);
        return response.setErrorCode(Errors.SASL_AUTHENTICATION_FAILED.code()).setErrorMessage(why)
                .setAuthBytes(new byte[0]).setSessionLifetimeMs(0);
    }

    private void closeAfter(String why) {
        closeAfterResponse = true;
        closeReason = why;
    }

    private void disposeServer() {
        if (server != null) {
            try {
                server.dispose();
            } catch (SaslException e) {
                LOG.debug("Disposing the SASL server failed", e);
            }
            server = null;
        }
    }

    /** True once a response was answered that must be the connection's last (a failed authentication). */
    public boolean closeAfterResponse() {
        return closeAfterResponse;
    }

    /** Why the connection is being closed, for the log. */
    public String closeReason() {
        return closeReason;
    }

    /**
     * The connection's principal: the SASL user once authenticated; on other listeners Kafka's principal
     * for the connection (ANONYMOUS, or the TLS client certificate's mapped subject).
     */
    public KafkaPrincipal principal() {
        if (principal == null && security.sasl().isEmpty()) {
            Optional<SSLSession> session = sslSession.get();
            principal = security.principals().build(session.isPresent()
                    ? new SslAuthenticationContext(session.get(), clientAddress, security.listenerName())
                    : new PlaintextAuthenticationContext(clientAddress, security.listenerName()));
        }
        return principal == null ? KafkaPrincipal.ANONYMOUS : principal;
    }

    /** Frees the mechanism's server when the connection closes mid-authentication. */
    public void close() {
        disposeServer();
    }
}
