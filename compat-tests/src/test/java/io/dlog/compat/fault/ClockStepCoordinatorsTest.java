package io.dlog.compat.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.ProcessCluster;
import io.dlog.compat.replication.PartitionReader;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A step of a coordinator's wall clock past every timeout (NTP correcting a clock, an operator's {@code date}) expels
 * no live group member and aborts no open transaction: DLog's coordinators run their deadlines on the monotonic clock
 * ({@code DeadlineClock}). Kafka's read the wall clock for them, so there every member of a classic and of a KIP-848
 * group would be expelled and rebalanced, and every open transaction aborted and its producer fenced. One child-JVM
 * node under libfaketime ({@link ClockSkew}); skipped without it.
 */
class ClockStepCoordinatorsTest {
    private static final String TOPIC = "stepped";
    private ProcessCluster cluster;
    private ClockSkew clocks;

    @AfterEach
    void close() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (clocks != null) {
            clocks.close();
        }
    }

    @Test
    void shouldKeepEveryLiveMemberWhenTheCoordinatorsWallClockJumpsPastTheirSessions() throws Exception {
        // Given: a classic and a KIP-848 consumer, each alone in its group and assigned every partition
        startNode();
        AtomicInteger classicLosses = new AtomicInteger();
        AtomicInteger consumerLosses = new AtomicInteger();
        try (KafkaConsumer<String, String> classic = consumer("classic", "classic", classicLosses);
             KafkaConsumer<String, String> modern = consumer("consumer", "consumer", consumerLosses)) {
            awaitAssigned(classic, modern);
            int classicGeneration = classic.groupMetadata().generationId();
            int consumerEpoch = modern.groupMetadata().generationId();

            // When: the node's wall clock jumps 300 s ahead (the sessions are 10 s) and the consumers go on polling
            stepClock(300);
            long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() - until < 0) {
                classic.poll(Duration.ofMillis(200));
                modern.poll(Duration.ofMillis(200));
            }

            // Then: neither member was expelled, revoked or moved to a new generation
            assertThat(classicLosses).as("partitions the classic member lost or gave back").hasValue(0);
            assertThat(consumerLosses).as("partitions the KIP-848 member lost or gave back").hasValue(0);
            assertThat(classic.groupMetadata().generationId()).isEqualTo(classicGeneration);
            assertThat(modern.groupMetadata().generationId()).isEqualTo(consumerEpoch);
            assertThat(classic.assignment()).hasSize(2);
            assertThat(modern.assignment()).hasSize(2);
        }
    }

    @Test
    void shouldCommitATransactionOpenWhileTheCoordinatorsWallClockJumpsPastItsTimeout() throws Exception {
        // Given: an open transaction with a 20 s timeout, the coordinator looking for timed-out ones every second
        startNode();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "stepped-txn");
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "20000");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(TOPIC, 0, "k", "inside")).get();

            // When: the node's wall clock jumps 300 s ahead, and several abort passes run
            stepClock(300);
            Thread.sleep(3_000);

            // Then: the transaction is still this producer's to commit, and its record is read committed
            producer.commitTransaction();
        }
        assertThat(PartitionReader.readCommittedToEnd(cluster.bootstrapServers(), TOPIC)).containsExactly("inside");
    }

    private void startNode() throws Exception {
        Assumptions.assumeTrue(ClockSkew.library().isPresent(), "libfaketime is not installed (apt-get install faketime)");
        cluster = ProcessCluster.start(1, Map.of("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000"),
                c -> clocks = ClockSkew.install(c));
        cluster.createTopic(new NewTopic(TOPIC, 2, (short) 1));
    }

    /** Steps the node's wall clock {@code seconds} ahead and waits until the node shows it. */
    private void stepClock(long seconds) throws Exception {
        int node = cluster.nodeIds().get(0);
        clocks.set(node, seconds);
        ClockSkew.confirm(cluster.pid(node), seconds);
    }

    private KafkaConsumer<String, String> consumer(String group, String protocol, AtomicInteger losses) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        if (protocol.equals("classic")) {
            props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
            props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        }
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(TOPIC), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                losses.addAndGet(partitions.size());
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                losses.addAndGet(partitions.size());
            }
        });
        return consumer;
    }

    private static void awaitAssigned(KafkaConsumer<String, String> classic, KafkaConsumer<String, String> modern) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (classic.assignment().size() < 2 || modern.assignment().size() < 2) {
            assertThat(System.nanoTime() - deadline).as("both consumers assigned").isNegative();
            classic.poll(Duration.ofMillis(100));
            modern.poll(Duration.ofMillis(100));
        }
    }
}
