package io.dlog.kafka.quota;

import io.dlog.kafka.config.ThrottledReplicas;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.config.ConfigException;

/**
 * One replication quota of this broker (the leader's or the follower's), as Kafka's {@code ReplicationQuotaManager}:
 * which partitions it throttles (those whose topic lists this broker's replica in the quota's
 * {@code *.replication.throttled.replicas} config, or "*"), the rate of their replication traffic (Kafka's
 * {@code SimpleRate} over {@code replication.quota.window.num} windows of
 * {@code replication.quota.window.size.seconds}), and whether it is over the bound
 * ({@code *.replication.throttled.rate}, read anew at each check, so a changed rate applies at once).
 *
 * <p>The callers decide what is throttled, as Kafka's do: a throttled partition's bytes are recorded whether or not
 * its replica is in sync (all replication traffic of the listed replicas counts), but only replicas out of the ISR
 * are held back while the quota is exceeded (holding back an in-sync one would push it out: ISR thrashing).
 *
 * <p>Thread-safe: the rate is guarded by its own monitor, held only for arithmetic; the throttled partitions are
 * derived from the newest image seen and published through a volatile field (a race recomputes them, harmlessly).
 */
public final class ReplicationQuotaManager {
    private final String throttledReplicasKey;
    private final int brokerId;
    private final Supplier<MetadataImage> image;
    private final LongSupplier bound;
    private final LongSupplier clockMs;
    private final RateWindows rate;
    private volatile Throttled throttled = new Throttled(Map.of(), Map.of());

    /** The throttled replicas of this broker by topic, derived from one image's topics. */
    private record Throttled(Map<String, TopicImage> source, Map<String, ThrottledReplicas> byTopic) {
    }

    /**
     * @param throttledReplicasKey {@link ThrottledReplicas#LEADER_KEY} or {@link ThrottledReplicas#FOLLOWER_KEY}
     * @param brokerId             this broker: only its replicas in the lists count
     * @param samples              replication.quota.window.num
     * @param windowSeconds        replication.quota.window.size.seconds
     * @param image                the current cluster image (the topics' configs)
     * @param bound                the rate in force, bytes/s (Long.MAX_VALUE: no throttle)
     * @param clockMs              milliseconds of a monotonic or wall clock
     */
    public ReplicationQuotaManager(String throttledReplicasKey, int brokerId, int samples, int windowSeconds,
                                   Supplier<MetadataImage> image, LongSupplier bound, LongSupplier clockMs) {
        this.throttledReplicasKey = throttledReplicasKey;
        this.brokerId = brokerId;
        this.image = image;
        this.bound = bound;
        this.clockMs = clockMs;
        this.rate = new RateWindows(samples, windowSeconds * 1000L);
    }

    /** Whether the replica of {@code tp} on this broker is in this quota's throttled list. */
    public boolean isThrottled(TopicPartition tp) {
        ThrottledReplicas replicas = throttled().byTopic().get(tp.topic());
        return replicas != null && replicas.contains(tp.partition());
    }

    /** Whether the measured rate is above the bound now (never with no bound set). */
    public boolean isQuotaExceeded() {
        long upper = bound.getAsLong();
        if (upper == Long.MAX_VALUE) {
            return false;
        }
        synchronized (rate) {
            return rate.simpleRatePerSecond(clockMs.getAsLong()) > upper;
        }
    }

    /** Counts {@code bytes} of throttled replication traffic, whether or not the quota is exceeded. */
    public void record(long bytes) {
        synchronized (rate) {
            rate.record(bytes, clockMs.getAsLong());
        }
    }

    /** The bound in force, bytes/s. */
    public long upperBound() {
        return bound.getAsLong();
    }

    private Throttled throttled() {
        Map<String, TopicImage> topics = image.get().topics();
        Throttled current = throttled;
        if (current.source() == topics) {
            return current;
        }
        Map<String, ThrottledReplicas> byTopic = new HashMap<>();
        for (TopicImage topic : topics.values()) {
            ThrottledReplicas replicas;
            try {
                replicas = ThrottledReplicas.parse(throttledReplicasKey, topic.configs().get(throttledReplicasKey), brokerId);
            } catch (ConfigException e) {
                replicas = ThrottledReplicas.NONE; // refused when set; an image from elsewhere throttles nothing
            }
            if (!replicas.isEmpty()) {
                byTopic.put(topic.name(), replicas);
            }
        }
        Throttled derived = new Throttled(topics, Map.copyOf(byTopic));
        throttled = derived;
        return derived;
    }
}
