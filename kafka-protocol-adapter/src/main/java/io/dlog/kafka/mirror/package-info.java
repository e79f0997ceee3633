/**
 * Mirror topics (issue 13, the migration tool's broker half): a topic whose configs name a source cluster
 * ({@code dlog.mirror.source.bootstrap.servers}) is a read-only copy of the source's topic of that name.
 * The node that leads a mirror partition fetches it from the source partition's leader with Kafka's Fetch
 * (as a consumer, read_uncommitted, so aborted records and transaction markers come too) and appends the
 * fetched batches verbatim at their offsets through the log engine's follower append; the mirror follows
 * the source's log start offset. Produce to a mirror is refused until the configs are removed (cutover).
 *
 * <p>Concurrency: {@link io.dlog.kafka.mirror.MirrorManager} reconciles on its own thread, once a second,
 * which mirror partitions this node leads, and hands them to one {@link io.dlog.kafka.mirror.MirrorFetcher}
 * thread per mirror topic. A fetcher owns its source connection and its {@link io.dlog.kafka.mirror.PartitionMirror}s
 * (single-threaded, blocking I/O allowed: never an event loop); the assignment reaches it through a
 * volatile field. Appends go through the partition's writer thread like every append.
 */
package io.dlog.kafka.mirror;
