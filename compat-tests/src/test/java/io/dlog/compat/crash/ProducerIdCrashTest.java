package io.dlog.compat.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.clients.Clients;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Producer ids come from the node's durable Snowflake generator: after kill -9 and restart, a new
 * idempotent producer never gets an id an earlier one had (checked with Admin.describeProducers).
 */
class ProducerIdCrashTest {
    private static final int ROUNDS = 3;

    @TempDir
    Path dataDir;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldNeverReissueAProducerIdAfterKillNine() throws Exception {
        // Given
        int port = ChildBroker.freePort();
        Set<Long> seen = new HashSet<>();
        long previousMax = -1;
        TopicPartition partition = new TopicPartition("pid-" + System.nanoTime(), 0);

        for (int round = 0; round < ROUNDS; round++) {
            try (ChildBroker broker = ChildBroker.start(port, dataDir)) {
                // When: two idempotent producers write, then the broker is killed
                long first = produceAndDescribe(broker, partition, round * 2);
                long second = produceAndDescribe(broker, partition, round * 2 + 1);
                broker.killHard();

                // Then
                assertThat(first).isNotEqualTo(second);
                assertThat(Math.min(first, second)).as("ids after restart %d", round).isGreaterThan(previousMax);
                assertThat(seen.add(first) && seen.add(second)).as("no id repeats").isTrue();
                previousMax = Math.max(first, second);
            }
        }
    }

    /** Writes one record with a fresh idempotent producer and returns the id the partition newly tracks. */
    private static long produceAndDescribe(ChildBroker broker, TopicPartition partition, int index) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            Set<Long> before = index == 0 ? Set.of() : producerIds(admin, partition);
            try (KafkaProducer<String, String> producer = Clients.stringProducer(broker.bootstrapServers(),
                    Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true", ProducerConfig.ACKS_CONFIG, "all"))) {
                producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), "k", "v" + index)).get();
            }
            Set<Long> added = new HashSet<>(producerIds(admin, partition));
            added.removeAll(before);
            assertThat(added).as("one new producer on the partition").hasSize(1);
            return added.iterator().next();
        }
    }

    private static Set<Long> producerIds(Admin admin, TopicPartition partition) throws Exception {
        Set<Long> ids = new HashSet<>();
        for (ProducerState state : admin.describeProducers(List.of(partition)).partitionResult(partition).get().activeProducers()) {
            ids.add(state.producerId());
        }
        return ids;
    }
}
