package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads partition 0 of a topic as a plain consumer would, the way the replication tests check what a log holds. */
public final class PartitionReader {
    private PartitionReader() {
    }

    /**
     * The values of partition 0 from its start to the end offset it has when the read begins (the high watermark:
     * everything acknowledged with acks=all before), in offset order; fails if any offset comes twice.
     */
    public static List<String> readToEnd(String bootstrap, String topic) {
        return readToEnd(bootstrap, topic, "read_uncommitted");
    }

    /** The same as a {@code read_committed} consumer reads it: up to the last stable offset, committed values only. */
    public static List<String> readCommittedToEnd(String bootstrap, String topic) {
        return readToEnd(bootstrap, topic, "read_committed");
    }

    private static List<String> readToEnd(String bootstrap, String topic, String isolation) {
        Properties props = new Properties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        Set<Long> offsets = new HashSet<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.position(tp) < end && System.nanoTime() - deadline < 0) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    assertThat(offsets.add(r.offset())).as("offset %d read twice", r.offset()).isTrue();
                    values.add(r.value());
                }
            }
            assertThat(consumer.position(tp)).as("read %s-0 to its end within 60 s", topic).isGreaterThanOrEqualTo(end);
        }
        return values;
    }
}
