package io.dlog.compat.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import io.dlog.compat.clients.Clients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Produced;
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
        StreamsBuilder builder = new StreamsBuilder();
        builder.<String, String>stream(input)
                .flatMapValues(line -> Arrays.asList(line.toLowerCase(Locale.ROOT).split(" ")))
                .groupBy((key, word) -> word)
                .count()
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, DLOG.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(instance).toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // Streams leaves no group on close: the next instance waits for the old member's session to end
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
        KafkaStreams streams = new KafkaStreams(builder.build(), props);
        streams.start();
        return streams;
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
