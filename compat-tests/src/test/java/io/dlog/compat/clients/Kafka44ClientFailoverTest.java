package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.ProcessCluster;
import io.dlog.compat.replication.PartitionReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * kafka-clients 4.4.0 through a kill -9 of the partition leader in a cluster of three child JVMs: one idempotent
 * acks=all producer keeps sending to the new leader, nothing it had acknowledged is lost or stored twice, and a KIP-848
 * group consumer of 4.4 then reads every acknowledged value (its coordinator may have been on the killed node). The
 * 4.3 client goes through every fault in the fault suite, librdkafka and kafkajs in NonJavaClientFailoverTest; this
 * one runs with -Pfault only, to keep the default build inside its time. Prints the failover time the client saw.
 */
@EnabledIfSystemProperty(named = "fault.profile", matches = "true")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class Kafka44ClientFailoverTest {
    private static final Duration PRODUCE_AFTER_KILL = Duration.ofSeconds(15);

    @Test
    void shouldCarryTheKafka44ProducerAndGroupConsumerThroughAKillOfTheLeader() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(3, Map.of("broker.session.timeout.ms", "6000",
                "broker.heartbeat.interval.ms", "1000"));
             IsolatedClient kafka44 = IsolatedClient.load("kafka-clients-4.4.jar", cluster.bootstrapServers())) {
            // Given
            String topic = "failover-kafka44";
            cluster.createTopic(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "2")));
            int leader = awaitFullIsr(cluster, topic).leader().id();
            List<String> acked = new ArrayList<>();
            long killedAt;
            long firstAckAfterKill = Long.MAX_VALUE;
            try (IsolatedClient.OpenProducer producer = kafka44.openProducer(Map.of("acks", "all",
                    "enable.idempotence", "true", "linger.ms", "2", "delivery.timeout.ms", "120000",
                    "request.timeout.ms", "10000", "max.block.ms", "60000"))) {
                for (int i = 0; i < 100; i++) {
                    Object metadata = producer.send(topic, 0, "before-" + i).get(30, TimeUnit.SECONDS);
                    assertThat(producer.offsetOf(metadata)).isEqualTo(i);
                    acked.add("before-" + i);
                }

                // When: kill -9 of the leader, then one write at a time until PRODUCE_AFTER_KILL has passed
                cluster.kill(leader);
                killedAt = System.currentTimeMillis();
                int failed = 0;
                for (int i = 0; System.currentTimeMillis() - killedAt < PRODUCE_AFTER_KILL.toMillis(); i++) {
                    Future<?> ack = producer.send(topic, 0, "after-" + i);
                    try {
                        ack.get(130, TimeUnit.SECONDS);
                        acked.add("after-" + i);
                        firstAckAfterKill = Math.min(firstAckAfterKill, System.currentTimeMillis());
                    } catch (ExecutionException e) {
                        failed++; // a write may fail while no leader is known; only acknowledged ones count
                    }
                }
                System.out.println("FAILOVER kafka-clients 4.4: kill -9 of leader " + leader
                        + " -> first acks=all write acknowledged after " + (firstAckAfterKill - killedAt) + " ms; "
                        + acked.size() + " acknowledged, " + failed + " failed");
            }

            // Then
            assertThat(firstAckAfterKill).as("no write acknowledged after the kill").isLessThan(Long.MAX_VALUE);
            List<String> log = PartitionReader.readToEnd(cluster.bootstrapServers(), topic);
            Set<String> missing = new HashSet<>(acked);
            log.forEach(missing::remove);
            assertThat(missing).as("acknowledged writes missing from the log").isEmpty();
            assertThat(new HashSet<>(log)).as("no write twice in the log").hasSize(log.size());
            List<String[]> read = kafka44.consumeInGroup(topic, topic + "-848", "consumer", log.size());
            assertThat(read).extracting(r -> r[1]).containsExactlyElementsOf(log);
        }
    }

    private static TopicPartitionInfo awaitFullIsr(ProcessCluster cluster, String topic) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try (Admin admin = cluster.admin()) {
                TopicPartitionInfo p = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                        .get(topic).partitions().get(0);
                if (p.leader() != null && p.isr().size() == 3) {
                    return p;
                }
            } catch (ExecutionException e) {
                // not created everywhere yet
            }
            assertThat(System.nanoTime() - deadline).as("ISR of 3 for %s", topic).isNegative();
            Thread.sleep(200);
        }
    }
}
