/**
 * Share groups (KIP-932, queues for Kafka): membership and assignment ({@link io.dlog.kafka.share.ShareGroupCoordinator}),
 * the share-partition leader's delivery state ({@link io.dlog.kafka.share.SharePartition},
 * {@link io.dlog.kafka.share.SharePartitionManager}), share sessions, ShareFetch and ShareAcknowledge, the share
 * coordinator's persisted state in {@code __share_group_state} ({@link io.dlog.kafka.share.ShareStateStore}, Kafka's
 * record schemas) and the share group admin APIs.
 *
 * <p>Concurrency contract: request handlers run on Netty event loops and do in-memory work only: each
 * share-partition guards its state with its own monitor (held for in-memory work, never across I/O; its log is
 * read before the monitor is taken), the group coordinator and the state store each with theirs (lock order:
 * share-partition, then store). State writes are appends, which never block; answers that need them durable
 * complete from the log's writer. Timers (acquisition locks, member sessions) run on the broker's scheduler;
 * the state store's loader thread replays {@code __share_group_state} partitions as this node comes to lead them.
 * A fetch that acquires nothing waits in the fetch purgatory, never on a thread. State held by another node is
 * reached through the inter-broker client ({@link io.dlog.kafka.share.SharePersister}): its futures complete on the
 * inter-broker thread, whose continuations only update maps and wake the purgatory; a share-partition's first
 * read is awaited by parking fetches, never by blocking; its writes leave one at a time per share-partition
 * (the queue's monitor is never held across I/O; lock order: share-partition, queue, store), retries are timers
 * on the scheduler. The inter-broker share coordinator APIs ({@link io.dlog.kafka.share.ShareStateHandlers}) run
 * on event loops over the store's monitor like the local path. The group coordinator ({@code io.dlog.kafka.group})
 * hands the share group coordinator its persisted groups, and asks it whether a share group holds an id (a group id is
 * one kind of group), under the group coordinator's monitor (lock order: group
 * coordinator, then share group coordinator; the share group coordinator never calls the group coordinator while
 * holding its own); the share group coordinator's record appends never block, and heartbeats that wrote complete
 * from the log's writer. Lag asks partition leaders over the inter-broker client ({@link io.dlog.kafka.share.EndOffsets}),
 * whose futures complete on the inter-broker thread.
 */
package io.dlog.kafka.share;
