/**
 * The transaction coordinator (KIP-98, KIP-360, KIP-447, KIP-890 part 1): transactional ids, producer
 * ids and epochs, the transaction state machine, timeouts and markers.
 *
 * <p>Concurrency contract: {@link io.dlog.kafka.txn.TransactionCoordinator} guards its state with its
 * own monitor; every public method does in-memory work only and returns, handing writes to the log
 * (whose writer completes futures later) and blocking work (id leases, loading a partition) to other
 * threads. State is kept per {@code __transaction_state} partition and loaded or unloaded as a unit,
 * so a partition's state can follow its leadership. Markers go out as WriteTxnMarkers requests to each
 * partition's leader ({@link io.dlog.kafka.txn.TxnMarkerSender}, over the inter-broker client; this node's
 * part straight to its own writer, started on the scheduler), whose {@link io.dlog.kafka.txn.TxnMarkerWriter}
 * appends them; answers arrive on the inter-broker thread (or the writer thread that wrote the last local
 * marker) and take the coordinator's monitor for in-memory work only.
 * {@link io.dlog.kafka.txn.TxnVerifier} is stateless and thread-safe.
 */
package io.dlog.kafka.txn;
