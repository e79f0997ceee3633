package io.dlog.kafka.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.config.ThrottledReplicas;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Kafka's replication quota: the throttled replicas of this broker, SimpleRate over the windows, the bound, on an injected clock. */
class ReplicationQuotaManagerTest {
    private static final int SELF = 1;
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicLong bound = new AtomicLong(1000);
    private final AtomicReference<MetadataImage> image = new AtomicReference<>(MetadataImage.EMPTY);
    private final ReplicationQuotaManager leader = new ReplicationQuotaManager(ThrottledReplicas.LEADER_KEY, SELF, 11, 1,
            image::get, bound::get, now::get);

    private void topics(TopicImage... topics) {
        Map<String, TopicImage> byName = new java.util.HashMap<>();
        for (TopicImage topic : topics) {
            byName.put(topic.name(), topic);
        }
        image.set(MetadataImage.EMPTY.withTopics(byName));
    }

    private static TopicImage topic(String name, int partitions, Map<String, String> configs) {
        return TopicImage.onNode(name, UUID.randomUUID(), partitions, configs, SELF);
    }

    @Test
    void shouldThrottleOnlyTheReplicasListedForThisBroker() {
        topics(topic("listed", 3, Map.of(ThrottledReplicas.LEADER_KEY, "0:1,1:2,2:1")),
                topic("wildcard", 2, Map.of(ThrottledReplicas.LEADER_KEY, "*")),
                topic("follower-only", 1, Map.of(ThrottledReplicas.FOLLOWER_KEY, "*")),
                topic("plain", 1, Map.of()));

        assertThat(leader.isThrottled(new TopicPartition("listed", 0))).isTrue();
        assertThat(leader.isThrottled(new TopicPartition("listed", 1))).isFalse(); // broker 2's replica
        assertThat(leader.isThrottled(new TopicPartition("listed", 2))).isTrue();
        assertThat(leader.isThrottled(new TopicPartition("wildcard", 1))).isTrue();
        assertThat(leader.isThrottled(new TopicPartition("follower-only", 0))).isFalse();
        assertThat(leader.isThrottled(new TopicPartition("plain", 0))).isFalse();
        assertThat(leader.isThrottled(new TopicPartition("missing", 0))).isFalse();

        // When the list is cleared (kafka-reassign-partitions --verify), nothing is throttled any more
        topics(topic("listed", 3, Map.of()));
        assertThat(leader.isThrottled(new TopicPartition("listed", 0))).isFalse();
    }

    @Test
    void shouldBeExceededOnlyAboveTheBoundMeasuredAsKafkasSimpleRate() {
        // A burst at once is measured over one window (SimpleRate), not over samples - 1 as client quotas are
        leader.record(1000);
        assertThat(leader.isQuotaExceeded()).isFalse(); // 1000 B/s is within a bound of 1000 B/s
        leader.record(1);
        assertThat(leader.isQuotaExceeded()).isTrue();

        now.addAndGet(1000);
        assertThat(leader.isQuotaExceeded()).isTrue(); // 1001 B over 1 s
        now.addAndGet(1000);
        assertThat(leader.isQuotaExceeded()).isFalse(); // 1001 B over 2 s
        leader.record(1000);
        assertThat(leader.isQuotaExceeded()).isTrue(); // 2001 B over 2 s
    }

    @Test
    void shouldForgetTrafficOlderThanTheWindows() {
        leader.record(100_000);
        now.addAndGet(10_999);
        assertThat(leader.isQuotaExceeded()).isTrue(); // 100 000 B over 11 s

        now.addAndGet(1);
        assertThat(leader.isQuotaExceeded()).isFalse(); // 11 windows of 1 s: the sample is obsolete
    }

    @Test
    void shouldApplyAChangedRateAtOnceAndNeverThrottleWithoutOne() {
        leader.record(5000);
        assertThat(leader.isQuotaExceeded()).isTrue();

        bound.set(10_000);
        assertThat(leader.isQuotaExceeded()).isFalse();
        assertThat(leader.upperBound()).isEqualTo(10_000);

        bound.set(Long.MAX_VALUE);
        leader.record(Long.MAX_VALUE / 2);
        assertThat(leader.isQuotaExceeded()).isFalse();
    }

    @Test
    void shouldLetTheFirstBytesThroughAtARateOfZero() {
        bound.set(0);
        assertThat(leader.isQuotaExceeded()).isFalse(); // 0 B/s is within 0, as Kafka's upper bound
        leader.record(1);
        assertThat(leader.isQuotaExceeded()).isTrue();
    }
}
