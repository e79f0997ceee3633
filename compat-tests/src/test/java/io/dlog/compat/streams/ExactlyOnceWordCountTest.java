package io.dlog.compat.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Streams 4.3.1 word count with processing.guarantee=exactly_once_v2 (a transactional producer per
 * stream thread, offsets sent to the transaction, a repartition topic and a changelog written in the same
 * transactions): the final counts read by a read_committed consumer are exact, across a second instance
 * that takes over the application after the first one stops.
 */
@Timeout(180)
class ExactlyOnceWordCountTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("group.initial.rebalance.delay.ms", "0");

    @TempDir
    Path stateDir;

    private KafkaStreams start(String input, String output, String appId, String instance) {
        KafkaStreams streams = create(DLOG.bootstrapServers(), input, output, appId, stateDir.resolve(instance));
        streams.start();
        return streams;
    }

    /** The word count application: in a child JVM, args bootstrap input output appId stateDir; runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        KafkaStreams streams = create(args[0], args[1], args[2], args[3], Path.of(args[4]));
        streams.start();
        Thread.sleep(Long.MAX_VALUE);
    }

    static KafkaStreams create(String bootstrap, String input, String output, String appId, Path stateDir) {
        Properties props = WordCount.props(bootstrap, appId, stateDir, StreamsConfig.EXACTLY_ONCE_V2);
        // Streams leaves no group on close: the next instance waits for the old member's session to end
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
        return new KafkaStreams(WordCount.topology(input, output), props);
    }

    private static void produce(String topic, List<String> lines) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < lines.size(); i++) {
                producer.send(new ProducerRecord<>(topic, Integer.toString(i), lines.get(i))).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Latest count per word in the output, read_committed, until the expected counts appear or the wait ends. */
    private static Map<String, Long> awaitCounts(String output, Map<String, Long> expected) {
        Map<String, Long> latest = new HashMap<>();
        Deserializer<String> keys = new StringDeserializer();
        Deserializer<Long> values = new LongDeserializer();
        try (KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(Clients.consumerProps(DLOG.bootstrapServers(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")), keys, values)) {
            var partitions = Clients.partitions(output, 2);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!latest.equals(expected) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Long> r : consumer.poll(Duration.ofMillis(200))) {
                    latest.put(r.key(), r.value());
                }
            }
        }
        return latest;
    }

    @Test
    void shouldCountWordsExactlyOnceAcrossAKillNineOfTheInstance() throws Exception {
        // Given lines arriving while a Streams instance in a child JVM counts them
        String input = DLOG.newTopic(2);
        String output = DLOG.newTopic(2);
        String appId = "wordcount-crash-" + input;
        String[] vocabulary = {"alpha", "beta", "gamma", "delta", "epsilon"};
        Map<String, Long> expected = new HashMap<>();
        List<String> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String line = vocabulary[i % 5] + " " + vocabulary[(i * 3) % 5];
            lines.add(line);
            for (String word : line.split(" ")) {
                expected.merge(word, 1L, Long::sum);
            }
        }
        io.dlog.compat.tools.ChildJvm.Child child = io.dlog.compat.tools.ChildJvm.start(List.of(),
                ExactlyOnceWordCountTest.class.getName(), DLOG.bootstrapServers(), input, output, appId,
                stateDir.resolve("child").toString());
        try (KafkaProducer<String, String> producer = Clients.stringProducer(DLOG.bootstrapServers())) {
            for (int i = 0; i < lines.size(); i++) {
                producer.send(new ProducerRecord<>(input, Integer.toString(i), lines.get(i)));
                if (i == lines.size() / 2) {
                    producer.flush();
                    awaitAnyOutput(output);
                    // When: killed in the middle of its work (an open transaction, uncommitted offsets)
                    child.kill();
                }
                Thread.sleep(2);
            }
        } finally {
            child.kill();
            io.dlog.compat.tools.ChildJvm.deleteOutput(child);
        }

        // Then: a new instance finishes with exact counts (the killed one's transaction aborts at its timeout)
        try (KafkaStreams successor = start(input, output, appId, "successor")) {
            assertThat(awaitCounts(output, expected)).isEqualTo(expected);
            successor.close(Duration.ofSeconds(30));
        }
    }

    /** Waits until the application has committed some output, so the kill lands mid-stream. */
    private static void awaitAnyOutput(String output) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = DLOG.admin()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
                Clients.partitions(output, 2).forEach(tp -> latest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
                var ends = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                        org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS);
                if (ends.values().stream().anyMatch(info -> info.offset() > 0)) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new AssertionError("no committed output from the child instance");
        }
    }

    @Test
    void shouldCountWordsExactlyOnceAcrossAnInstanceChange() throws Exception {
        // Given
        String input = DLOG.newTopic(2);
        String output = DLOG.newTopic(2);
        String appId = "wordcount-" + input;
        List<String> first = List.of("the quick brown fox", "jumps over the lazy dog", "the end");
        List<String> second = List.of("the fox returns", "quick quick");

        // When: one instance counts the first lines, then stops; a second takes over for the rest
        produce(input, first);
        Map<String, Long> afterFirst = Map.of("the", 3L, "quick", 1L, "brown", 1L, "fox", 1L, "jumps", 1L,
                "over", 1L, "lazy", 1L, "dog", 1L, "end", 1L);
        try (KafkaStreams one = start(input, output, appId, "one")) {
            assertThat(awaitCounts(output, afterFirst)).isEqualTo(afterFirst);
            one.close(Duration.ofSeconds(30));
        }
        produce(input, second);
        Map<String, Long> expected = new HashMap<>(afterFirst);
        expected.merge("the", 1L, Long::sum);
        expected.merge("fox", 1L, Long::sum);
        expected.put("returns", 1L);
        expected.merge("quick", 2L, Long::sum);
        try (KafkaStreams two = start(input, output, appId, "two")) {
            // Then: the second instance restores the counts from the changelog and goes on exactly
            assertThat(awaitCounts(output, expected)).isEqualTo(expected);
            two.close(Duration.ofSeconds(30));
        }
    }
}
