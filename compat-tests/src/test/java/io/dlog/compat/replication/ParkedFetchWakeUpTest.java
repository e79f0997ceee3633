package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.InProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Parked fetches on a replicated partition are woken by the change they wait for: a follower's fetch by the
 * leader's appends, a consumer's by the high watermark, a read_committed consumer's by the last stable offset
 * passing a commit marker. Every fetch here may wait {@link #WAIT_MS}, followers' too, so one wake-up lost shows as
 * a delay of that length and the test fails; when none is lost each step takes milliseconds.
 */
class ParkedFetchWakeUpTest {
    private static final int WAIT_MS = 15_000;
    /** Far below {@link #WAIT_MS}, far above what a step takes on a loaded 2-core machine. */
    private static final long STEP_LIMIT_MS = WAIT_MS / 3;

    /** Longer than ReplicaManager.NEW_LEADERSHIP_WINDOW_MS (2 s), in which followers of a new leader park briefly. */
    private static final long PAST_NEW_LEADERSHIP_MS = 3_000;

    private InProcessCluster cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = InProcessCluster.start(3, Map.of("replica.fetch.wait.max.ms", String.valueOf(WAIT_MS),
                "replica.lag.time.max.ms", String.valueOf(4 * WAIT_MS), "replica.socket.timeout.ms", String.valueOf(2 * WAIT_MS)));
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldAckEachWriteAndDeliverItToAParkedConsumerWithoutWaitingOutAFetch() throws Exception {
        // Given: a consumer parked at the end of an RF 3 partition
        String topic = "wake";
        KafkaConsumer<String, String> consumer = consumerAtTheEndOfANewTopic(topic, "3", "read_uncommitted");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(false))) {
            // Not timed here (see shouldAckTheFirstWriteToANewTopicWithoutWaitingOutTheFollowersParkedFetches): a
            // follower adds a new partition to its fetches once the fetch it has parked at the leader returns.
            producer.send(new ProducerRecord<>(topic, "k", "first")).get(3L * WAIT_MS, TimeUnit.MILLISECONDS);
            assertThat(pollUntil(consumer, 1)).containsExactly("first");

            for (int i = 0; i < 20; i++) {
                // When: one acks=all write (every follower must be woken to fetch it, the ISR being all three)
                long sent = System.nanoTime();
                // (the ack itself must come within the step limit, or get() throws)
                producer.send(new ProducerRecord<>(topic, "k", "v" + i)).get(STEP_LIMIT_MS, TimeUnit.MILLISECONDS);

                // Then: delivered long before any fetch's wait ran out
                List<String> got = pollUntil(consumer, 1);
                assertThat(elapsedMs(sent)).as("ms to deliver write %d", i).isLessThan(STEP_LIMIT_MS);
                assertThat(got).containsExactly("v" + i);
            }
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofMillis(200))); // its last fetch is parked: no need to wait
        }
    }

    @Test
    void shouldDeliverACommittedTransactionToAParkedReadCommittedConsumer() throws Exception {
        // Given: a read_committed consumer parked at the end of an RF 3 partition
        String topic = "wake-txn";
        KafkaConsumer<String, String> consumer = consumerAtTheEndOfANewTopic(topic, "2", "read_committed");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(true))) {
            producer.initTransactions();
            // Not timed, as above: the first transaction also starts the replication of the partitions it uses.
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "first"));
            producer.commitTransaction();
            assertThat(pollUntil(consumer, 1)).containsExactly("first");

            for (int i = 0; i < 5; i++) {
                // When: a transaction of two records commits
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, "k", "t" + i + "a"));
                producer.send(new ProducerRecord<>(topic, "k", "t" + i + "b"));
                long committing = System.nanoTime();
                producer.commitTransaction();

                // Then: the consumer has both soon after, woken by the last stable offset passing the marker
                List<String> got = pollUntil(consumer, 2);
                assertThat(elapsedMs(committing)).as("ms to deliver transaction %d", i).isLessThan(STEP_LIMIT_MS);
                assertThat(got).containsExactly("t" + i + "a", "t" + i + "b");
            }
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofMillis(200)));
        }
    }

    @Test
    void shouldAckTheFirstWriteToANewTopicWithoutWaitingOutTheFollowersParkedFetches() throws Exception {
        // Given: every node follows a partition led by each other node, so each has a fetch parked at each leader
        // for up to WAIT_MS (three partitions, one led by each node)
        cluster.createTopic(new NewTopic("followed", 3, (short) 3).configs(Map.of("min.insync.replicas", "2")));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(false))) {
            for (int p = 0; p < 3; p++) {
                producer.send(new ProducerRecord<>("followed", p, "k", "v")).get(3L * WAIT_MS, TimeUnit.MILLISECONDS);
            }
            for (int i = 0; i < 3; i++) {
                // (past the 2 s in which a new leader's followers park only briefly, ReplicaManager's
                // NEW_LEADERSHIP_WINDOW_MS: the followers' fetches are now parked for WAIT_MS)
                Thread.sleep(PAST_NEW_LEADERSHIP_MS);
                // When: a new RF 3 topic, and an acks=all write to it at once (the ISR is all three: both followers
                // must fetch it, and a follower can name the new partition only in a fetch it has not sent yet)
                String topic = "new-" + i;
                cluster.createTopic(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", "2")));
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, "k", "first")).get(3L * WAIT_MS, TimeUnit.MILLISECONDS);

                // Then: acknowledged long before a parked fetch would have run out: the leader answered its followers'
                // parked fetches when it took the partition up (without that, a follower's fetch returns at a random
                // point of its WAIT_MS, and both must come back for the ack: each topic has a 1 in 9 chance of passing)
                assertThat(elapsedMs(sent)).as("ms to ack the first write to %s", topic).isLessThan(STEP_LIMIT_MS);
            }
        }
    }

    /** A new one-partition RF 3 topic, and a consumer assigned to it at its end (its next poll parks a fetch there). */
    private KafkaConsumer<String, String> consumerAtTheEndOfANewTopic(String topic, String minInsync, String isolation)
            throws Exception {
        cluster.createTopic(new NewTopic(topic, 1, (short) 3).configs(Map.of("min.insync.replicas", minInsync)));
        TopicPartition tp = new TopicPartition(topic, 0);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(isolation));
        consumer.assign(List.of(tp));
        consumer.seekToEnd(List.of(tp));
        consumer.position(tp);
        return consumer;
    }

    /** Polls until {@code count} records arrived or {@link #WAIT_MS} twice over passed (the assertions then fail). */
    private static List<String> pollUntil(KafkaConsumer<String, String> consumer, int count) {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2L * WAIT_MS);
        while (got.size() < count && System.nanoTime() - deadline < 0) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                got.add(record.value());
            }
        }
        return got;
    }

    private static long elapsedMs(long sinceNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
    }

    private Properties producerProps(boolean transactional) {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        // The untimed first write may wait for followers to start fetching (see the tests): let it.
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(3 * WAIT_MS));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(8 * WAIT_MS));
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(8 * WAIT_MS));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        if (transactional) {
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "wake-txn-producer");
        }
        return props;
    }

    private Properties consumerProps(String isolation) {
        Properties props = cluster.clientProps();
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(WAIT_MS));
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(2 * WAIT_MS));
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return props;
    }
}
