package io.dlog.compat.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.cluster.ProcessCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node stopped for more than a minute (SIGSTOP for 65 s, as a frozen VM or a stuck process looks to the others)
 * comes back as a full member: it follows the metadata group again, is unfenced, rejoins the ISR of the partition it
 * led, and a topic created after it, with every node a replica, takes acks=all writes. Ratis closes its server after
 * a JVM pause longer than its close threshold (60 s by default); with that close the node stayed fenced until its
 * process restarted.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class LongPauseTest {
    private static final Duration PAUSE = Duration.ofSeconds(65);
    private ProcessCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldTakeBackANodeStoppedForMoreThanAMinute() throws Exception {
        // Given
        cluster = ProcessCluster.start(3, Map.of("broker.session.timeout.ms", "6000", "broker.heartbeat.interval.ms", "1000"));
        cluster.createTopic(new NewTopic("before-pause", 1, (short) 3).configs(Map.of("min.insync.replicas", "2")));
        int leader = cluster.awaitIsr("before-pause", 3).leader().id();
        List<String> written = new ArrayList<>(produce("before-pause", "before", 10));

        // When
        cluster.pause(leader);
        Thread.sleep(PAUSE.toMillis());
        cluster.resume(leader);

        // Then
        TopicPartitionInfo healed = cluster.awaitIsr("before-pause", 3);
        assertThat(healed.isr()).as("the paused node is in the ISR again").anyMatch(n -> n.id() == leader);
        written.addAll(produce("before-pause", "after", 10));
        assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), "before-pause")).containsExactlyElementsOf(written);
        cluster.createTopic(new NewTopic("after-pause", 1, (short) 3).configs(Map.of("min.insync.replicas", "3")));
        cluster.awaitIsr("after-pause", 3);
        List<String> later = produce("after-pause", "later", 10);
        assertThat(PartitionReader.readToEnd(cluster.bootstrapServers(), "after-pause")).containsExactlyElementsOf(later);
    }

    /** Writes {@code count} values with acks=all, one at a time; returns them in order. */
    private List<String> produce(String topic, String prefix, int count) throws Exception {
        Properties props = cluster.clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < count; i++) {
                String value = prefix + "-" + i;
                producer.send(new ProducerRecord<>(topic, value)).get(60, TimeUnit.SECONDS);
                values.add(value);
            }
        }
        return values;
    }
}
