package io.dlog.kafka.api;

import java.net.InetSocketAddress;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * What a handler knows about the request besides its body. Immutable but for {@code cost}, where
 * handlers charge the work other threads did for the request.
 *
 * @param apiVersion    the version the client sent; responses use the same one
 * @param clientId      the header's client id (may be null)
 * @param clientAddress the peer's address
 * @param listenerName  the listener the request arrived on (e.g. PLAINTEXT)
 * @param principal     who sent it: the authenticated user (User:alice), else ANONYMOUS
 * @param requestSize   the request's size in bytes (header and body, as Kafka counts it for quotas)
 * @param cost          the work done for the request off the event loop (request_percentage quota)
 */
public record RequestContext(short apiVersion, int correlationId, String clientId,
                             InetSocketAddress clientAddress, String listenerName, KafkaPrincipal principal,
                             int requestSize, RequestCost cost) {

    /** A request with a fresh cost. */
    public RequestContext(short apiVersion, int correlationId, String clientId, InetSocketAddress clientAddress,
                          String listenerName, KafkaPrincipal principal, int requestSize) {
        this(apiVersion, correlationId, clientId, clientAddress, listenerName, principal, requestSize, new RequestCost());
    }

    /** A request whose size does not matter (not counted against a quota). */
    public RequestContext(short apiVersion, int correlationId, String clientId, InetSocketAddress clientAddress,
                          String listenerName, KafkaPrincipal principal) {
        this(apiVersion, correlationId, clientId, clientAddress, listenerName, principal, 0);
    }

    /** A request of an unauthenticated (ANONYMOUS) client. */
    public RequestContext(short apiVersion, int correlationId, String clientId, InetSocketAddress clientAddress,
                          String listenerName) {
        this(apiVersion, correlationId, clientId, clientAddress, listenerName, KafkaPrincipal.ANONYMOUS);
    }
}
