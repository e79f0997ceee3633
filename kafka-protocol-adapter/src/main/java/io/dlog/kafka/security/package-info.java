/**
 * Authentication and transport security of client connections: TLS engines per listener, SASL
 * authentication (PLAIN, SCRAM) and the connection's principal.
 *
 * <p>Concurrency: listener-wide objects ({@link io.dlog.kafka.security.ListenerSecurity},
 * {@link io.dlog.kafka.security.TlsEngines}) are built at start-up and immutable afterwards, shared by
 * every event loop. Per-connection state is confined to that connection's event loop.
 */
package io.dlog.kafka.security;
