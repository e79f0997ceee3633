package io.dlog.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Well-framed requests with bad content: a corrupt record batch, an unknown topic (auto-create off),
 * an invalid topic name. Each gets its error code; the connection, the broker and the stored data stay fine.
 */
class BadProduceTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("auto.create.topics.enable", "false");

    private static final short PRODUCE_VERSION = 9;
    private static final short METADATA_VERSION = 12;
    private static BrokerHealth health;

    @BeforeAll
    static void writeCanaryRecords() throws Exception {
        health = new BrokerHealth(DLOG);
        health.write("before-1", "before-2");
    }

    @AfterEach
    void brokerStillServesAndKeepsEverything() throws Exception {
        health.assertServesAndKeepsEverything();
    }

    @Test
    void shouldAnswerCorruptMessageForABatchWithABadCrcAndStoreNothingOfIt() throws Exception {
        // Given: a valid batch with one byte of its last record flipped, so its CRC32C no longer matches
        ByteBuffer corrupt = batch("corrupt-1", "corrupt-2");
        corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 0x55));

        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            ProduceResponseData.PartitionProduceResponse refused =
                    produce(connection, health.canary().topic(), corrupt);

            // Then
            assertThat(refused.errorCode()).isEqualTo(Errors.CORRUPT_MESSAGE.code());

            // And the same connection still takes a good batch, at the next offset after the canary's records.
            ProduceResponseData.PartitionProduceResponse accepted =
                    produce(connection, health.canary().topic(), batch("raw-good"));
            assertThat(accepted.errorCode()).isEqualTo(Errors.NONE.code());
            health.expectAlsoStored("raw-good");
            assertThat(accepted.baseOffset()).isNotNegative();
        }
    }

    @Test
    void shouldAnswerCorruptMessageForABatchWhoseLengthFieldLies() throws Exception {
        // Given: the batch length field (bytes 8-11) claims more bytes than the batch has
        ByteBuffer lying = batch("lying");
        lying.putInt(8, lying.getInt(8) + 100);

        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            ProduceResponseData.PartitionProduceResponse refused = produce(connection, health.canary().topic(), lying);

            // Then
            assertThat(refused.errorCode()).isIn(Errors.CORRUPT_MESSAGE.code(), Errors.INVALID_RECORD.code());
        }
    }

    @Test
    void shouldAnswerUnknownTopicWhenProducingToAMissingTopicWithAutoCreateOff() throws Exception {
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            ProduceResponseData.PartitionProduceResponse refused = produce(connection, "no-such-topic", batch("lost"));

            // Then
            assertThat(refused.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
    }

    @Test
    void shouldNotCreateATopicFromMetadataWhenAutoCreateIsOff() throws Exception {
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            MetadataResponseData.MetadataResponseTopic topic = metadata(connection, "never-created", true);

            // Then
            assertThat(topic.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
        try (Admin admin = DLOG.admin()) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain("never-created");
        }
    }

    @Test
    void shouldAnswerInvalidTopicInMetadataForAnInvalidName() throws Exception {
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            MetadataResponseData.MetadataResponseTopic topic = metadata(connection, "bad name!", true);

            // Then
            assertThat(topic.errorCode()).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION.code());
        }
    }

    @Test
    void shouldRefuseToCreateATopicWithAnInvalidName() throws Exception {
        try (Admin admin = DLOG.admin()) {
            for (String name : List.of("bad name!", ".", "..", "x".repeat(250))) {
                // When / Then
                assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic(name, 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS))
                        .as(name)
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(InvalidTopicException.class);
            }
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).doesNotContain("bad name!");
        }
    }

    @Test
    void shouldRefuseToProduceToAnInvalidTopicName() throws Exception {
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            // When
            ProduceResponseData.PartitionProduceResponse refused = produce(connection, "bad name!", batch("lost"));

            // Then
            assertThat(refused.errorCode()).isIn(Errors.INVALID_TOPIC_EXCEPTION.code(),
                    Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
    }

    private static ByteBuffer batch(String... values) {
        return RecordBatches.of(false, values);
    }

    private static ProduceResponseData.PartitionProduceResponse produce(RawConnection connection, String topic,
                                                                        ByteBuffer records) throws Exception {
        return connection.produce(topic, records, PRODUCE_VERSION);
    }

    private static MetadataResponseData.MetadataResponseTopic metadata(RawConnection connection, String topic,
                                                                       boolean allowAutoCreate) throws Exception {
        MetadataRequestData request = new MetadataRequestData()
                .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic)))
                .setAllowAutoTopicCreation(allowAutoCreate);
        int correlationId = connection.send(ApiKeys.METADATA, METADATA_VERSION, request);
        MetadataResponseData response = new MetadataResponseData(
                connection.receive(correlationId, ApiKeys.METADATA, METADATA_VERSION), METADATA_VERSION);
        assertThat(response.topics()).hasSize(1);
        MetadataResponseData.MetadataResponseTopic answer = response.topics().iterator().next();
        assertThat(answer.name()).isEqualTo(topic);
        return answer;
    }
}
