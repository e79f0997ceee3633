/**
 * Client quotas as Kafka enforces them: which quota applies to a (user, client-id) pair
 * ({@link QuotaResolver}, Kafka's entity precedence over the cluster image), the rate of each quota
 * entity measured in sampled windows ({@link RateWindows}, Kafka's {@code Rate} over a
 * {@code SampledStat}), the throttle time a request earns ({@link ClientQuotaManager}, Kafka's
 * {@code ClientQuotaManager}), and how request time maps onto DLog's threads ({@link RequestTimeQuota}). This package knows nothing of handlers or connections: handlers record
 * what a request costs and put the throttle time in their response, the server layer mutes the
 * connection for it. Replication quotas ({@link ReplicationQuotaManager}, Kafka's) bound the bytes leaders send to
 * and followers fetch for throttled replicas; the replica layer asks them whether to hold a partition back.
 *
 * <p>Concurrency contract: {@link ClientQuotaManager} is shared by every event loop; each quota
 * entity's windows are guarded by their own monitor, held only for arithmetic. The resolver reads the
 * cluster image (an immutable snapshot) and caches what it derived from the last one it saw. A
 * {@link ReplicationQuotaManager} is shared by the event loops (leader side) or the fetcher threads (follower
 * side) the same way: one monitor around its windows, its throttled partitions derived from the newest image.
 */
package io.dlog.kafka.quota;
