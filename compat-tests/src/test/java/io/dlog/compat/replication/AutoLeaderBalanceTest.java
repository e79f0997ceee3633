package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.ProcessCluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code auto.leader.rebalance.enable} (Kafka's default, true): after the preferred leader (first replica) goes
 * away and comes back, it takes its leadership back by itself within a few {@code
 * leader.imbalance.check.interval.seconds}, with no ElectLeaders call (LeaderKillTest covers the explicit call).
 */
class AutoLeaderBalanceTest {
    private static final String TOPIC = "auto-balance";

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldGiveLeadershipBackToThePreferredReplicaWithoutAnElection() throws Exception {
        // Given
        try (ProcessCluster cluster = ProcessCluster.start(3, Map.of("leader.imbalance.check.interval.seconds", "2"));
             Admin admin = cluster.admin()) {
            cluster.createTopic(new NewTopic(TOPIC, 1, (short) 3));
            TopicPartitionInfo created = await(admin, p -> p.leader() != null && p.isr().size() == 3, "ISR of 3");
            int preferred = created.replicas().get(0).id();

            // When
            cluster.stop(preferred);
            TopicPartitionInfo moved = await(admin, p -> p.leader() != null && p.leader().id() != preferred, "a new leader");
            cluster.restart(preferred);

            // Then
            TopicPartitionInfo back = await(admin, p -> p.leader() != null && p.leader().id() == preferred,
                    "leadership back on node " + preferred);
            assertThat(created.leader().id()).isEqualTo(preferred);
            assertThat(moved.leader().id()).isNotEqualTo(preferred);
            assertThat(back.isr()).hasSize(3);
        }
    }

    private static TopicPartitionInfo await(Admin admin, Predicate<TopicPartitionInfo> condition, String what)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                TopicPartitionInfo p = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(TOPIC).partitions().get(0);
                if (condition.test(p)) {
                    return p;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // a node stopping or starting
            }
            assertThat(System.nanoTime() - deadline).as(what).isNegative();
            Thread.sleep(200);
        }
    }
}
