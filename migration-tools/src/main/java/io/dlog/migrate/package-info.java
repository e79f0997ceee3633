/**
 * {@code dlog-migrate}: moves topics, their data and consumer groups' offsets from a Kafka cluster (or a DLog
 * one) to DLog with every offset preserved, and proves it. It talks to both clusters over the Kafka protocol
 * only: the copying itself is done by the target's mirror topics (each DLog partition leader fetches its
 * source partition and appends the batches verbatim), which this tool creates, watches and cuts over.
 *
 * <p>Concurrency: each command runs on the calling thread; {@code run --follow} adds a shutdown hook that
 * asks the loop to stop and waits for it. Admin clients and consumers are confined to the command's thread.
 */
package io.dlog.migrate;
