/**
 * Authorization of every API, as Kafka's request handlers check it: each API's rule asks the
 * {@link io.dlog.kafka.security.AclAuthorizer} about the resources the request names, answers Kafka's
 * error codes for the ones refused and hands the rest to the API's handler.
 *
 * <p>Concurrency: rules are stateless and run on the connection's event loop; the authorizer reads the
 * immutable cluster image.
 */
package io.dlog.kafka.authz;
