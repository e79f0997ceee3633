/**
 * The Arrow Flight / Flight SQL endpoint over topics.
 *
 * <p>Concurrency contract: gRPC calls the producer on the endpoint's own executor threads (never the Kafka
 * listener's Netty event loops, never Flight's transport threads for decoding); each DoGet is served start
 * to end by the thread that received it, with its reader and child allocator confined to that thread. The
 * producer's shared state is immutable apart from a semaphore bounding concurrent streams.
 */
package io.dlog.analytics.flight;
