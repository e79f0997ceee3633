package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.cluster.InProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kafka 4's min ISR rules on a three-node cluster: the high watermark stands still while the ISR is smaller than
 * {@code min.insync.replicas} (strict min ISR, KAFKA-15583), so writes of acks=1 made then are read by no consumer
 * until the ISR is back; and the minimum counts at most the replica count (Kafka's effective min ISR).
 */
class StrictMinIsrTest {
    private InProcessCluster cluster;
    private Admin admin;

    @BeforeEach
    void threeNodes() throws Exception {
        cluster = InProcessCluster.start(3, Map.of("broker.session.timeout.ms", "6000",
                "broker.heartbeat.interval.ms", "1000"));
        admin = cluster.admin();
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldHoldTheHighWatermarkWhileTheIsrIsBelowMinInsyncReplicasAndMoveItOnceItIsBack() throws Exception {
        // Given: replicas 1, 2, 3 with min.insync.replicas=3, a- records on all three
        String topic = "strict-min-isr";
        TopicPartition tp = new TopicPartition(topic, 0);
        admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2, 3)))
                .configs(Map.of("min.insync.replicas", "3")))).all().get();
        awaitPartition(topic, p -> p.leader() != null && p.leader().id() == 1 && p.isr().size() == 3);
        List<String> acknowledged = send(topic, "all", "a-", 20);
        assertThat(end(tp)).isEqualTo(20);

        // When: node 3 stops and leaves the ISR, which falls below the minimum
        cluster.stop(3);
        awaitPartition(topic, p -> p.isr().size() == 2);
        Thread.sleep(1_000); // the leader applies the new ISR on its role thread a moment after the image shows it

        // Then: acks=all is refused before the append, as before
        assertThatThrownBy(() -> send(topic, "all", "refused-", 1, 0)) // no retry: the refusal is the answer
                .hasCauseInstanceOf(NotEnoughReplicasException.class);
        // and acks=1 writes are appended (and acknowledged) but the high watermark stays where it was: no consumer
        // reads them while only two replicas are in sync (before Kafka 3.7, and in DLog until 2026-12-08, it moved)
        List<String> underMinIsr = send(topic, "1", "b-", 10);
        assertThat(end(tp)).isEqualTo(20);
        assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), topic)).containsExactlyElementsOf(acknowledged);

        // When: node 3 returns, catches up and joins the ISR again
        cluster.restart(3);
        awaitPartition(topic, p -> p.isr().size() == 3);

        // Then: the high watermark moves over every write, and consumers read the b- records too
        awaitEnd(tp, 30);
        acknowledged.addAll(underMinIsr);
        assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), topic)).containsExactlyElementsOf(acknowledged);
    }

    @Test
    void shouldCountMinInsyncReplicasAtMostAsTheReplicationFactor() throws Exception {
        // Given: two replicas and min.insync.replicas=3, more than there can ever be in sync
        String topic = "min-isr-above-replicas";
        admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2)))
                .configs(Map.of("min.insync.replicas", "3")))).all().get();
        awaitPartition(topic, p -> p.leader() != null && p.isr().size() == 2);

        // When: acks=all writes (refused with NOT_ENOUGH_REPLICAS before the effective minimum)
        List<String> acknowledged = send(topic, "all", "v-", 10);

        // Then: Kafka's effective min ISR is min(3, 2): both replicas in sync is enough, and consumers read them
        assertThat(end(new TopicPartition(topic, 0))).isEqualTo(10);
        assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), topic)).containsExactlyElementsOf(acknowledged);
    }

    /** Sends {@code count} values to partition 0 with {@code acks}, one at a time; returns them in order. */
    private List<String> send(String topic, String acks, String prefix, int count) throws Exception {
        // Retried: a node may answer NOT_LEADER_OR_FOLLOWER for a moment after a new topic shows its leader.
        return send(topic, acks, prefix, count, Integer.MAX_VALUE);
    }

    private List<String> send(String topic, String acks, String prefix, int count, int retries) throws Exception {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, acks);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false); // it would need retries in every case
        props.put(ProducerConfig.RETRIES_CONFIG, retries);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, null, prefix + i)).get();
                values.add(prefix + i);
            }
        }
        return values;
    }

    /** The partition's end as consumers see it (ListOffsets latest: the high watermark). */
    private long end(TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    }

    private void awaitEnd(TopicPartition tp, long expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long last = -1;
        while (System.nanoTime() - deadline < 0) {
            try {
                last = end(tp);
                if (last == expected) {
                    return;
                }
            } catch (ExecutionException e) {
                // leadership moving: ask again
            }
            Thread.sleep(100);
        }
        throw new AssertionError(tp + " end never reached " + expected + "; last seen " + last);
    }

    private TopicPartitionInfo awaitPartition(String topic, Predicate<TopicPartitionInfo> condition) throws Exception {
        return PartitionStates.await(admin, topic, condition);
    }
}
