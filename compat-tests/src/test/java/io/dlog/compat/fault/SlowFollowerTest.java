package io.dlog.compat.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.replication.AcksAllProducer;
import io.dlog.compat.replication.PartitionReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A follower that is alive (its heartbeats reach the metadata quorum) but cannot fetch from its leader: the
 * link from its replica fetcher to the leader's client port is cut. Kafka's rule, which DLog keeps: after
 * {@code replica.lag.time.max.ms} without catching up it leaves the ISR, and acks=all writes, stalled until
 * then, go on with the two remaining replicas; once it can fetch again it catches up and rejoins the ISR. It is
 * never fenced, and nothing acknowledged is lost.
 */
class SlowFollowerTest {
    private static final String TOPIC = "slow-follower";

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void shouldDropAStuckFollowerFromTheIsrAndTakeItBackOnceItCatchesUp() throws Exception {
        // Given
        try (ProxiedProcessCluster cluster = ProxiedProcessCluster.start(3, Map.of("replica.lag.time.max.ms", "4000"));
             Admin admin = cluster.admin();
             KafkaProducer<String, String> producer = AcksAllProducer.create(cluster.bootstrapServers())) {
            cluster.createTopic(new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas", "2")));
            TopicPartitionInfo before = awaitIsr(admin, 3);
            int leader = before.leader().id();
            int follower = before.replicas().stream().mapToInt(Node::id).filter(id -> id != leader).min().orElseThrow();
            List<String> acked = new ArrayList<>();
            send(producer, acked, "before", 100);

            // When: the follower's fetches to the leader go nowhere
            cluster.network().cutPort(follower, leader, cluster.layout().node(leader).port());
            send(producer, acked, "cut", 100);
            TopicPartitionInfo shrunk = awaitIsr(admin, 2);
            Set<Integer> liveNodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream()
                    .map(Node::id).collect(Collectors.toSet());
            cluster.network().healAll();
            TopicPartitionInfo healed = awaitIsr(admin, 3);
            send(producer, acked, "healed", 100);

            // Then
            assertThat(shrunk.leader().id()).isEqualTo(leader);
            assertThat(shrunk.isr().stream().map(Node::id)).doesNotContain(follower);
            assertThat(liveNodes).as("the stuck follower is alive and registered, not fenced").contains(follower);
            assertThat(healed.isr().stream().map(Node::id)).contains(follower);
            assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), TOPIC)).containsExactlyElementsOf(acked);
        }
    }

    /** Sends {@code count} values one after another, each acknowledged (acks=all) before the next. */
    private static void send(KafkaProducer<String, String> producer, List<String> acked, String prefix, int count)
            throws Exception {
        for (int i = 0; i < count; i++) {
            String value = prefix + "-" + i;
            producer.send(new ProducerRecord<>(TOPIC, "k", value)).get(120, TimeUnit.SECONDS);
            acked.add(value);
        }
    }

    private static TopicPartitionInfo awaitIsr(Admin admin, int size) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                TopicPartitionInfo p = admin.describeTopics(List.of(TOPIC)).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(TOPIC).partitions().get(0);
                if (p.leader() != null && p.isr().size() == size) {
                    return p;
                }
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // the topic not yet known everywhere
            }
            assertThat(System.nanoTime() - deadline).as("ISR of %d", size).isNegative();
            Thread.sleep(200);
        }
    }
}
