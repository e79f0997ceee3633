package io.dlog.compat.groups;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Consumers in groups, polled round-robin from the test thread, and a few records to read. */
public final class GroupClients {
    static final Duration WAIT = Duration.ofSeconds(45);

    private GroupClients() {
    }

    static KafkaConsumer<String, String> consumer(String bootstrap, String groupId, Map<String, Object> overrides) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "20000");
        props.putAll(overrides);
        return new KafkaConsumer<>(props);
    }

    /** A KIP-848 consumer: session timeout and heartbeat interval are the broker's, the client must not set them. */
    static KafkaConsumer<String, String> consumer848(String bootstrap, String groupId, Map<String, Object> overrides) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.putAll(overrides);
        return new KafkaConsumer<>(props);
    }

    static void produce(String bootstrap, String topic, int partitions, int perPartition) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int p = 0; p < partitions; p++) {
                for (int i = 0; i < perPartition; i++) {
                    producer.send(new ProducerRecord<>(topic, p, "k" + i, "v-" + p + "-" + i));
                }
            }
            producer.flush();
        }
    }

    /** Polls every consumer in turn until the condition holds; records what they read. */
    @SafeVarargs
    static List<ConsumerRecord<String, String>> pollUntil(BooleanSupplier done, KafkaConsumer<String, String>... consumers) {
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WAIT + "; assignments: " + assignments(consumers));
            }
            for (KafkaConsumer<String, String> consumer : consumers) {
                consumer.poll(Duration.ofMillis(50)).forEach(read::add);
            }
        }
        return read;
    }

    @SafeVarargs
    static List<Set<TopicPartition>> assignments(KafkaConsumer<String, String>... consumers) {
        List<Set<TopicPartition>> all = new ArrayList<>();
        for (KafkaConsumer<String, String> consumer : consumers) {
            all.add(new HashSet<>(consumer.assignment()));
        }
        return all;
    }

    /** Every partition of the topic owned by exactly one consumer, each consumer owning at least min. */
    @SafeVarargs
    static boolean partitioned(int partitions, int min, KafkaConsumer<String, String>... consumers) {
        Set<TopicPartition> seen = new HashSet<>();
        int total = 0;
        for (KafkaConsumer<String, String> consumer : consumers) {
            Set<TopicPartition> owned = consumer.assignment();
            if (owned.size() < min) {
                return false;
            }
            seen.addAll(owned);
            total += owned.size();
        }
        return seen.size() == partitions && total == partitions;
    }

    /** Polls until the poll throws and returns what it threw; fails if it never does within {@code wait}. */
    public static RuntimeException pollUntilThrown(java.util.function.Consumer<Duration> poll, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                poll.accept(Duration.ofMillis(200));
            } catch (RuntimeException e) {
                return e;
            }
        }
        throw new AssertionError("poll never failed within " + wait);
    }
}
