package io.dlog.kafka.api;

import java.net.InetSocketAddress;

/**
 * What a handler knows about the request besides its body. Immutable.
 *
 * @param apiVersion    the version the client sent; responses use the same one
 * @param clientId      the header's client id (may be null)
 * @param clientAddress the peer's address
 * @param listenerName  the listener the request arrived on (e.g. PLAINTEXT)
 */
public record RequestContext(short apiVersion, int correlationId, String clientId,
                             InetSocketAddress clientAddress, String listenerName) {
}
