/**
 * Handlers of the transaction APIs: request checks and response shapes per version; the state lives
 * in {@link io.dlog.kafka.txn.TransactionCoordinator}. Stateless; thread-safe.
 */
package io.dlog.kafka.handlers.txn;
