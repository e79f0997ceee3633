package io.dlog.compat.clients;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.compat.DLogBrokerExtension;
import java.io.IOException;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kafka-clients 4.4.0, the newest release, ahead of the 4.3 client the other tests use (pinned behind the protocol
 * adapter: docs/compatibility.md): loaded in its own class loader and driven reflectively. An idempotent acks=all
 * producer, consumers in groups of both rebalance protocols, and transactions (4.4 turns on transaction.version 2,
 * KIP-890, when the broker finalizes it, as DLog does).
 */
class Kafka44ClientTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension();

    private static IsolatedClient kafka44;

    @BeforeAll
    static void loadKafka44() throws IOException, URISyntaxException {
        kafka44 = IsolatedClient.load("kafka-clients-4.4.jar", DLOG.bootstrapServers());
    }

    @AfterAll
    static void closeKafka44() throws IOException {
        if (kafka44 != null) {
            kafka44.close();
        }
    }

    @Test
    void shouldRunTheKafka44ClientFromItsOwnClassLoader() throws Exception {
        assertThat(kafka44.loadClass("org.apache.kafka.clients.producer.KafkaProducer").getClassLoader())
                .isSameAs(kafka44.loader());
        assertThat(kafka44.version()).startsWith("4.4.");
    }

    @Test
    void shouldProduceIdempotentlyAndReadInGroupsOfBothProtocols() throws Exception {
        // Given
        String topic = "kafka44-" + System.nanoTime();
        kafka44.createTopic(topic, 1, (short) 1);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            values.add("v44-" + i);
        }

        // When
        List<Long> offsets = kafka44.produce(topic, 0, values, Map.of("enable.idempotence", "true", "linger.ms", "5"));
        List<String[]> assigned = kafka44.consume(topic, 0, values.size());
        List<String[]> classic = kafka44.consumeInGroup(topic, topic + "-classic", "classic", values.size());
        List<String[]> consumer = kafka44.consumeInGroup(topic, topic + "-848", "consumer", values.size());

        // Then
        assertThat(offsets).containsExactlyElementsOf(ProduceConsumeRoundTripTest.range(0, values.size()));
        assertThat(assigned).extracting(r -> r[1]).containsExactlyElementsOf(values);
        assertThat(classic).extracting(r -> r[1]).containsExactlyElementsOf(values);
        assertThat(consumer).extracting(r -> r[1]).containsExactlyElementsOf(values);
        assertThat(committed(topic + "-848")).isEqualTo(200L);
        assertThat(committed(topic + "-classic")).isEqualTo(200L);
    }

    /** The group's committed offset of partition 0, read with the 4.3 Admin. */
    private static long committed(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", DLOG.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertThat(offsets).hasSize(1);
            return offsets.values().iterator().next().offset();
        }
    }

    @Test
    void shouldCommitAndAbortTransactionsWithTheKafka44Producer() throws Exception {
        OldClientTransactions.commitAndAbort(kafka44.loader(), DLOG.bootstrapServers(), DLOG.newTopic(1), "kafka44-tx");
    }
}
