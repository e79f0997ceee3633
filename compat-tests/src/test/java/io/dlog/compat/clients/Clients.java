package io.dlog.compat.clients;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Producers and consumers for compat tests: bounded timeouts everywhere, consumers without a group
 * (DLog serves no group coordinator yet, so they {@code assign()} and seek), and a poll loop with a deadline.
 */
public final class Clients {
    /** Longest any single test waits for records to show up. */
    public static final Duration WAIT = Duration.ofSeconds(30);

    private Clients() {
    }

    public static Properties producerProps(String bootstrap, Map<String, ?> overrides) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        props.putAll(overrides);
        return props;
    }

    public static Properties consumerProps(String bootstrap, Map<String, ?> overrides) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        props.putAll(overrides);
        return props;
    }

    public static KafkaProducer<String, String> stringProducer(String bootstrap, Map<String, ?> overrides) {
        return new KafkaProducer<>(producerProps(bootstrap, overrides), new StringSerializer(), new StringSerializer());
    }

    public static KafkaProducer<String, String> stringProducer(String bootstrap) {
        return stringProducer(bootstrap, Map.of());
    }

    public static KafkaProducer<byte[], byte[]> bytesProducer(String bootstrap, Map<String, ?> overrides) {
        return new KafkaProducer<>(producerProps(bootstrap, overrides), new ByteArraySerializer(), new ByteArraySerializer());
    }

    public static KafkaConsumer<String, String> stringConsumer(String bootstrap, Map<String, ?> overrides) {
        return new KafkaConsumer<>(consumerProps(bootstrap, overrides), new StringDeserializer(), new StringDeserializer());
    }

    public static KafkaConsumer<String, String> stringConsumer(String bootstrap) {
        return stringConsumer(bootstrap, Map.of());
    }

    public static KafkaConsumer<byte[], byte[]> bytesConsumer(String bootstrap, Map<String, ?> overrides) {
        return new KafkaConsumer<>(consumerProps(bootstrap, overrides), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Assigns the partitions, seeks to their beginning and polls until {@code count} records came (or fails). */
    public static <K, V> List<ConsumerRecord<K, V>> readFromBeginning(KafkaConsumer<K, V> consumer,
                                                                      Collection<TopicPartition> partitions, int count) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return pollUntil(consumer, count, WAIT);
    }

    /** Polls until at least {@code count} records came; fails (listing what came) when the deadline passes. */
    public static <K, V> List<ConsumerRecord<K, V>> pollUntil(KafkaConsumer<K, V> consumer, int count, Duration timeout) {
        List<ConsumerRecord<K, V>> received = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received.size() < count) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("expected " + count + " records within " + timeout + " but got "
                        + received.size() + ": " + summary(received));
            }
            consumer.poll(Duration.ofMillis(200)).forEach(received::add);
        }
        return received;
    }

    private static <K, V> String summary(List<ConsumerRecord<K, V>> records) {
        StringBuilder text = new StringBuilder();
        for (ConsumerRecord<K, V> record : records.subList(0, Math.min(20, records.size()))) {
            text.append(record.topic()).append('-').append(record.partition()).append('@').append(record.offset()).append(' ');
        }
        return records.size() > 20 ? text + "..." : text.toString();
    }

    public static List<TopicPartition> partitions(String topic, int count) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        return partitions;
    }
}
