/**
 * Replication of partitions between nodes, as Kafka's replica layer: {@link io.dlog.kafka.replica.ReplicaManager}
 * gives each local replica the role the cluster image assigns (leader, follower, offline), the leader tracks its
 * followers' positions, the ISR and the high watermark, and the followers pull with Kafka's Fetch
 * ({@link io.dlog.kafka.replica.ReplicaFetcherThread}, one per leader). Replication throttles are Kafka's: a leader and
 * a follower {@link io.dlog.kafka.quota.ReplicationQuotaManager} per node, consulted here.
 *
 * <p>Concurrency contract: roles change on one thread (the role thread, from the image listener); role fields of a
 * {@code PartitionReplica} are volatile and written only there. Leader-side calls (a follower's fetch, acks=all
 * waits, throttle checks) come from Netty event loops and never block; each follower's position is written by the
 * fetch that reports it. Each fetcher thread owns its connection (and the connection's reused receive buffer, lent
 * again only once every append of the last answer ended; a PLAINTEXT connection may also be closed by the
 * {@code RequestDeadlines} watchdog thread when its fetch outlives the request timeout), its incremental fetch session and its partitions' fetch
 * state (lag, back-off); partitions are added and removed from the role thread, and removal waits for a response
 * being applied. The periodic ISR and leader-balance checks run on the shared scheduler.
 */
package io.dlog.kafka.replica;
