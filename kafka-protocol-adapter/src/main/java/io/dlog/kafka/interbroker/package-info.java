/**
 * Requests from this node to other nodes (and to itself) over the Kafka protocol, as Kafka's brokers send
 * them: kafka-clients' {@code NetworkClient} on a thread of its own. The transaction coordinator sends
 * WriteTxnMarkers to each partition's leader through it, and a partition leader verifies transactional
 * produce with the transaction coordinator (AddPartitionsToTxn v4+, KIP-890).
 *
 * <p>Concurrency contract: {@link io.dlog.kafka.interbroker.InterBrokerClient} owns its NetworkClient on one
 * thread ({@code dlog-interbroker}); any thread may call {@code send}, which only enqueues (bounded) and
 * never blocks, so event loops may call it. Futures complete on the inter-broker thread: their
 * continuations must not block (in-memory work, or hand-off to another executor). {@code close} fails
 * whatever is pending and joins the thread.
 */
package io.dlog.kafka.interbroker;
