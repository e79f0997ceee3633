package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.ProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three child-JVM nodes and an idempotent acks=all producer writing all along: the partition leader is
 * killed with kill -9, the producer carries on against the new leader, nothing acknowledged is lost or
 * duplicated; the killed node comes back, catches up, rejoins the ISR and takes its preferred leadership
 * back through kafka-leader-election's API. Prints the failover time (kill to the first acknowledged
 * write after it).
 */
class LeaderKillTest {
    private static final String TOPIC = "kill-leader";
    private ProcessCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldLoseNoAcknowledgedWriteWhenTheLeaderIsKilledAndGiveLeadershipBackToThePreferredReplica() throws Exception {
        // Given
        cluster = ProcessCluster.start(3, Map.of("broker.session.timeout.ms", "6000", "broker.heartbeat.interval.ms", "1000"));
        cluster.createTopic(new NewTopic(TOPIC, 1, (short) 3).configs(Map.of("min.insync.replicas", "2")));
        int leader = awaitIsr(3).leader().id();
        Set<String> acked = ConcurrentHashMap.newKeySet();
        // The failover time counts to the first acknowledgement of a write sent after the kill: one sent before
        // it may be acknowledged by the old leader a moment after the kill, which says nothing of the failover.
        AtomicLong killedAtNanos = new AtomicLong(Long.MAX_VALUE);
        AtomicLong firstNewAckNanos = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Throwable> fatal = Collections.synchronizedList(new ArrayList<>());
        Thread writer = new Thread(() -> produce(acked, killedAtNanos, firstNewAckNanos, running, fatal), "writer");
        writer.start();
        awaitAcks(acked, 500);

        // When
        long killedAt = System.nanoTime();
        killedAtNanos.set(killedAt);
        cluster.kill(leader);
        while (firstNewAckNanos.get() == 0) {
            assertThat(System.nanoTime() - killedAt).as("no acknowledged write within 60 s of the kill")
                    .isLessThan(Duration.ofSeconds(60).toNanos());
            Thread.sleep(5);
        }
        long failoverMs = (firstNewAckNanos.get() - killedAt) / 1_000_000;
        System.out.println("FAILOVER kill -9 of leader " + leader + " -> first acks=all write acknowledged after "
                + failoverMs + " ms");
        awaitAcks(acked, acked.size() + 500);
        running.set(false);
        writer.join(60_000);
        cluster.restart(leader);
        TopicPartitionInfo healed = awaitIsr(3);

        // Then
        assertThat(fatal).isEmpty();
        assertThat(healed.leader().id()).isNotEqualTo(leader);
        try (Admin admin = cluster.admin()) {
            admin.electLeaders(ElectionType.PREFERRED, Set.of(new TopicPartition(TOPIC, 0))).partitions().get();
        }
        assertThat(awaitLeader(leader).leader().id()).isEqualTo(leader);
        List<String> read = PartitionReader.readToEnd(cluster.bootstrapServers(), TOPIC);
        Set<String> missing = new HashSet<>(acked);
        read.forEach(missing::remove);
        assertThat(missing).as("acknowledged writes missing from the log").isEmpty();
        assertThat(new HashSet<>(read)).as("no write twice").hasSize(read.size());
    }

    private void produce(Set<String> acked, AtomicLong killedAtNanos, AtomicLong firstNewAckNanos, AtomicBoolean running,
                         List<Throwable> fatal) {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            long i = 0;
            while (running.get()) {
                String value = "v-" + i++;
                long sentNanos = System.nanoTime();
                producer.send(new ProducerRecord<>(TOPIC, "k", value), (metadata, exception) -> {
                    if (exception == null) {
                        acked.add(value);
                        if (sentNanos > killedAtNanos.get()) {
                            firstNewAckNanos.compareAndSet(0, System.nanoTime());
                        }
                    }
                });
                if (i % 50 == 0) {
                    producer.flush();
                }
            }
            producer.flush();
        } catch (RuntimeException e) {
            fatal.add(e);
        }
    }

    private static void awaitAcks(Set<String> acked, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (acked.size() < count) {
            assertThat(System.nanoTime() - deadline).as("%d acks", count).isNegative();
            Thread.sleep(10);
        }
    }

    private TopicPartitionInfo describe() throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicDescription description = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            return description.partitions().get(0);
        }
    }

    private TopicPartitionInfo awaitIsr(int size) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                TopicPartitionInfo p = describe();
                if (p.leader() != null && p.isr().size() == size) {
                    return p;
                }
            } catch (ExecutionException e) {
                // a node restarting
            }
            assertThat(System.nanoTime() - deadline).as("ISR of %d", size).isNegative();
            Thread.sleep(200);
        }
    }

    private TopicPartitionInfo awaitLeader(int id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            TopicPartitionInfo p = describe();
            if (p.leader() != null && p.leader().id() == id || System.nanoTime() - deadline > 0) {
                return p;
            }
            Thread.sleep(200);
        }
    }

}
