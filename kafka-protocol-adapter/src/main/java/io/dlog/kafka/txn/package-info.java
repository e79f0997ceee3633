/**
 * The transaction coordinator (KIP-98, KIP-360, KIP-447, KIP-890 part 1): transactional ids, producer
 * ids and epochs, the transaction state machine, timeouts and markers.
 *
 * <p>Concurrency contract: {@link io.dlog.kafka.txn.TransactionCoordinator} guards its state with its
 * own monitor; every public method does in-memory work only and returns, handing writes to the log
 * (whose writer completes futures later) and blocking work (id leases, loading a partition) to other
 * threads. State is kept per {@code __transaction_state} partition and loaded or unloaded as a unit,
 * so a partition's state can follow its leadership. Markers go out through {@link
 * io.dlog.kafka.txn.TxnMarkerWriter}, the same code WriteTxnMarkers runs, and complete asynchronously.
 */
package io.dlog.kafka.txn;
