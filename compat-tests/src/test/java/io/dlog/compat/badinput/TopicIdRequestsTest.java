package io.dlog.compat.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dlog.compat.DLogBrokerExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests that name topics by id (Metadata v10+, Produce v13, Fetch v13+; DeleteTopics by id is in
 * AdminTopicsTest): a known id is answered with that id and its topic, an unknown one with
 * UNKNOWN_TOPIC_ID for that topic alone, as Kafka 4.x does.
 */
class TopicIdRequestsTest {
    @RegisterExtension
    static final DLogBrokerExtension DLOG = new DLogBrokerExtension().with("auto.create.topics.enable", "false");

    private static final short METADATA_VERSION = 13;
    private static final short PRODUCE_VERSION = 13;
    private static final short FETCH_VERSION = 13;

    @Test
    void shouldDescribeTopicsByIdThroughTheAdminClient() throws Exception {
        // Given
        String first = DLOG.newTopic(2);
        String second = DLOG.newTopic(1);
        try (Admin admin = DLOG.admin()) {
            Map<String, TopicDescription> byName = admin.describeTopics(List.of(first, second))
                    .allTopicNames().get(30, TimeUnit.SECONDS);
            Uuid firstId = byName.get(first).topicId();
            Uuid secondId = byName.get(second).topicId();

            // When
            Map<Uuid, TopicDescription> byId = admin.describeTopics(TopicCollection.ofTopicIds(List.of(firstId, secondId)))
                    .allTopicIds().get(30, TimeUnit.SECONDS);

            // Then
            assertThat(byId).containsOnlyKeys(firstId, secondId);
            assertThat(byId.get(firstId).name()).isEqualTo(first);
            assertThat(byId.get(firstId).partitions()).hasSize(2);
            assertThat(byId.get(secondId).name()).isEqualTo(second);
            assertThat(byId.get(secondId).topicId()).isEqualTo(secondId);
        }
    }

    @Test
    void shouldFailOnlyTheUnknownIdWhenDescribingTopicsById() throws Exception {
        String known = DLOG.newTopic(1);
        Uuid unknown = Uuid.randomUuid();
        try (Admin admin = DLOG.admin()) {
            Uuid knownId = admin.describeTopics(List.of(known)).allTopicNames().get(30, TimeUnit.SECONDS).get(known).topicId();

            DescribeTopicsResult result = admin.describeTopics(TopicCollection.ofTopicIds(List.of(knownId, unknown)));

            assertThat(result.topicIdValues().get(knownId).get(30, TimeUnit.SECONDS).name()).isEqualTo(known);
            assertThatThrownBy(() -> result.topicIdValues().get(unknown).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(UnknownTopicIdException.class);
        }
    }

    @Test
    void shouldAnswerMetadataByIdWithTheNameAndUnknownTopicIdForAnUnknownId() throws Exception {
        String known = DLOG.newTopic(3);
        Uuid knownId = idOf(known);
        Uuid unknown = Uuid.randomUuid();
        MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(false).setTopics(List.of(
                new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(knownId),
                new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(unknown)));

        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            int correlationId = connection.send(ApiKeys.METADATA, METADATA_VERSION, request);
            MetadataResponseData response = new MetadataResponseData(
                    connection.receive(correlationId, ApiKeys.METADATA, METADATA_VERSION), METADATA_VERSION);

            assertThat(response.topics()).hasSize(2);
            MetadataResponseData.MetadataResponseTopic found = topicWithId(response, knownId);
            assertThat(found.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(found.name()).isEqualTo(known);
            assertThat(found.partitions()).hasSize(3);
            MetadataResponseData.MetadataResponseTopic missing = topicWithId(response, unknown);
            assertThat(missing.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
            assertThat(missing.name()).isNull();
        }
    }

    @Test
    void shouldProduceByIdAtV13AndAnswerUnknownTopicIdForAnUnknownId() throws Exception {
        String known = DLOG.newTopic(1);
        Uuid knownId = idOf(known);
        Uuid unknown = Uuid.randomUuid();
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(partitionData(knownId, batch("by-id")));
        topics.add(partitionData(unknown, batch("lost")));
        ProduceRequestData request = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000).setTopicData(topics);

        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            int correlationId = connection.send(ApiKeys.PRODUCE, PRODUCE_VERSION, request);
            ProduceResponseData response = new ProduceResponseData(
                    connection.receive(correlationId, ApiKeys.PRODUCE, PRODUCE_VERSION), PRODUCE_VERSION);

            assertThat(response.responses()).hasSize(2);
            for (ProduceResponseData.TopicProduceResponse topic : response.responses()) {
                short expected = topic.topicId().equals(knownId) ? Errors.NONE.code() : Errors.UNKNOWN_TOPIC_ID.code();
                assertThat(topic.topicId()).isIn(knownId, unknown);
                assertThat(topic.partitionResponses()).singleElement()
                        .satisfies(p -> assertThat(p.errorCode()).isEqualTo(expected));
            }
            FetchResponseData fetched = fetch(connection, knownId, unknown);
            assertThat(fetched.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(fetched.responses()).hasSize(2);
            for (FetchResponseData.FetchableTopicResponse topic : fetched.responses()) {
                FetchResponseData.PartitionData partition = topic.partitions().get(0);
                if (topic.topicId().equals(knownId)) {
                    assertThat(partition.errorCode()).isEqualTo(Errors.NONE.code());
                    assertThat(partition.highWatermark()).isEqualTo(1L);
                    assertThat(partition.records().sizeInBytes()).isPositive();
                } else {
                    assertThat(topic.topicId()).isEqualTo(unknown);
                    assertThat(partition.errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_ID.code());
                }
            }
        }
    }

    /**
     * A fetch session keys its partitions by name (Fetch v12 and older) or by topic id (v13+). A Kafka 4.x
     * consumer switches when its metadata loses or regains topic ids: after a broker restart it rebootstraps,
     * opens a session by name, then fetches by id once metadata is back. Such an incremental fetch must be
     * refused with FETCH_SESSION_TOPIC_ID_ERROR (Kafka's FetchManager), so the client opens a new session;
     * answering it left the partitions the client sent by name in the session under keys no id-keyed fetch
     * matches, and the consumer never heard of them again (StreamsGroupRestartTest lost a record that way).
     */
    @Test
    void shouldRefuseAnIncrementalFetchThatNamesTopicsOtherwiseThanItsSession() throws Exception {
        // Given a record, and a session opened by a v12 fetch that names the topic
        String topic = DLOG.newTopic(1);
        Uuid id = idOf(topic);
        try (RawConnection connection = RawConnection.open(DLOG.broker().port())) {
            ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
            topics.add(partitionData(id, batch("kept")));
            int produced = connection.send(ApiKeys.PRODUCE, PRODUCE_VERSION,
                    new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000).setTopicData(topics));
            connection.receive(produced, ApiKeys.PRODUCE, PRODUCE_VERSION);
            FetchRequestData.FetchTopic byName = new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(1).setPartitionMaxBytes(1 << 20)));
            FetchResponseData opened = fetch(connection, (short) 12, 0, 0, List.of(byName));
            assertThat(opened.errorCode()).isEqualTo(Errors.NONE.code());
            int sessionId = opened.sessionId();
            assertThat(sessionId).isPositive();

            // When the next, incremental fetch of that session comes by topic id (v13)
            FetchResponseData mixed = fetch(connection, FETCH_VERSION, sessionId, 1, List.of());

            // Then it is refused, and the session can be closed and replaced by one keyed by id that serves the partition
            assertThat(Errors.forCode(mixed.errorCode())).isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
            assertThat(mixed.sessionId()).isZero();
            FetchRequestData.FetchTopic byId = new FetchRequestData.FetchTopic().setTopicId(id).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)));
            FetchResponseData reopened = fetch(connection, FETCH_VERSION, sessionId, 0, List.of(byId));
            assertThat(reopened.errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(reopened.sessionId()).isPositive().isNotEqualTo(sessionId);
            assertThat(reopened.responses()).singleElement().satisfies(t -> {
                assertThat(t.topicId()).isEqualTo(id);
                assertThat(t.partitions().get(0).records().sizeInBytes()).isPositive();
            });
            // and the reverse switch (a v12 fetch in a session keyed by id) is refused the same way
            FetchResponseData back = fetch(connection, (short) 12, reopened.sessionId(), 1, List.of());
            assertThat(Errors.forCode(back.errorCode())).isEqualTo(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
        }
    }

    private static FetchResponseData fetch(RawConnection connection, short version, int sessionId, int epoch,
                                           List<FetchRequestData.FetchTopic> topics) throws Exception {
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(1 << 20).setIsolationLevel((byte) 0).setSessionId(sessionId).setSessionEpoch(epoch)
                .setTopics(new ArrayList<>(topics));
        int correlationId = connection.send(ApiKeys.FETCH, version, request);
        return new FetchResponseData(connection.receive(correlationId, ApiKeys.FETCH, version), version);
    }

    private static FetchResponseData fetch(RawConnection connection, Uuid... ids) throws Exception {
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(1 << 20).setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
        for (Uuid id : ids) {
            request.topics().add(new FetchRequestData.FetchTopic().setTopicId(id).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20))));
        }
        int correlationId = connection.send(ApiKeys.FETCH, FETCH_VERSION, request);
        return new FetchResponseData(connection.receive(correlationId, ApiKeys.FETCH, FETCH_VERSION), FETCH_VERSION);
    }

    private static ProduceRequestData.TopicProduceData partitionData(Uuid id, ByteBuffer records) {
        return new ProduceRequestData.TopicProduceData().setTopicId(id).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.readableRecords(records.duplicate()))));
    }

    private static MetadataResponseData.MetadataResponseTopic topicWithId(MetadataResponseData response, Uuid id) {
        return response.topics().stream().filter(t -> t.topicId().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no answer for topic id " + id + " in " + response));
    }

    private static Uuid idOf(String topic) throws Exception {
        try (Admin admin = DLOG.admin()) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).topicId();
        }
    }

    private static ByteBuffer batch(String value) {
        ByteBuffer buffer = MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8))).buffer();
        ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
        copy.put(buffer.duplicate()).flip();
        return copy;
    }
}
