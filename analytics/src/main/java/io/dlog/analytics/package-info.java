/**
 * Topics as Apache Arrow: {@link io.dlog.analytics.TopicArrowReader} turns partitions' record batches into
 * Arrow record batches (raw or JSON values), {@link io.dlog.analytics.TopicTables} gives each topic its
 * table schema, and the {@code flight} and {@code sql} packages serve them.
 *
 * <p>Concurrency contract: this package reads the log engine only through {@link io.dlog.log.PartitionLog}'s
 * lock-free read methods and never writes. Readers ({@code TopicArrowReader} and what it uses) belong to
 * one thread at a time, which must not be a Netty event loop and must not be interrupted while reading
 * (an interrupt closes the engine's shared file channel); each batch gets fresh buffers from the reader's
 * allocator, so a batch handed on (Flight, C Data export) stays valid after the next one is loaded.
 * {@code TopicTables} and {@code TopicCatalog} implementations are immutable and thread-safe;
 * {@code SchemaRegistryClient} is thread-safe and blocks on HTTP, so it is called only from those reading threads.
 */
package io.dlog.analytics;
