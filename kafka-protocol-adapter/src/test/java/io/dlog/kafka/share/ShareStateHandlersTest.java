package io.dlog.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.topic.SingleNodeTopics;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteShareGroupStateRequestData;
import org.apache.kafka.common.message.InitializeShareGroupStateRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateResponseData;
import org.apache.kafka.common.message.ReadShareGroupStateSummaryRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateSummaryResponseData;
import org.apache.kafka.common.message.WriteShareGroupStateRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The share coordinator's inter-broker APIs over a real {@code __share_group_state} (one node): epoch fencing
 * as Kafka's share coordinator (a stale leader epoch or state epoch is refused), merges of written batches,
 * initialize, delete, summaries, and the per-partition errors for unknown topics and bad requests.
 */
class ShareStateHandlersTest {
    private static final String GROUP = "g";

    @TempDir
    Path dir;
    private final AtomicBoolean stopped = new AtomicBoolean();
    private LogManager logs;
    private SingleNodeTopics metadata;
    private TopicService topics;
    private ShareStateStore store;
    private ShareStateHandlers handlers;
    private Uuid topicId;

    @BeforeEach
    void setUp() throws Exception {
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), t -> LogConfig.DEFAULT);
        BrokerConfig config = BrokerConfig.parse(Map.of(BrokerConfig.LOG_DIRS, dir.toString(),
                ShareConfig.STATE_PARTITIONS, "2"));
        metadata = SingleNodeTopics.open(dir.resolve("raft"), logs, config);
        topics = metadata.topics();
        metadata.createTopic("data", 2, Map.of());
        topicId = Uuids.toKafka(topics.image().topic("data").orElseThrow().topicId());
        store = ShareStateStore.start(topics, Clock.systemUTC(), ShareConfig.from(config), stopped::get);
        handlers = new ShareStateHandlers(topics, store);
        SharePartitionKey probe = new SharePartitionKey(GROUP, Uuids.fromKafka(topicId), 0);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (store.read(probe).error() != Errors.NONE && System.nanoTime() < deadline) {
            Thread.sleep(20); // the loader creates __share_group_state on first use and loads it
        }
        assertThat(store.read(probe).error()).isEqualTo(Errors.NONE);
    }

    @AfterEach
    void tearDown() throws Exception {
        stopped.set(true);
        topics.close();
        metadata.close();
        logs.close();
    }

    private Errors write(int partition, int stateEpoch, int leaderEpoch, long startOffset,
                         WriteShareGroupStateRequestData.StateBatch... batches) throws Exception {
        WriteShareGroupStateRequestData request = new WriteShareGroupStateRequestData().setGroupId(GROUP).setTopics(List.of(
                new WriteShareGroupStateRequestData.WriteStateData().setTopicId(topicId).setPartitions(List.of(
                        new WriteShareGroupStateRequestData.PartitionData().setPartition(partition).setStateEpoch(stateEpoch)
                                .setLeaderEpoch(leaderEpoch).setStartOffset(startOffset).setStateBatches(List.of(batches))))));
        return Errors.forCode(handlers.write(request).get(10, TimeUnit.SECONDS).results().get(0).partitions().get(0).errorCode());
    }

    private ReadShareGroupStateResponseData.PartitionResult read(Uuid topic, int partition, int leaderEpoch) {
        ReadShareGroupStateRequestData request = new ReadShareGroupStateRequestData().setGroupId(GROUP).setTopics(List.of(
                new ReadShareGroupStateRequestData.ReadStateData().setTopicId(topic).setPartitions(List.of(
                        new ReadShareGroupStateRequestData.PartitionData().setPartition(partition).setLeaderEpoch(leaderEpoch)))));
        return handlers.read(request).results().get(0).partitions().get(0);
    }

    private static WriteShareGroupStateRequestData.StateBatch batch(long first, long last, int state, int count) {
        return new WriteShareGroupStateRequestData.StateBatch().setFirstOffset(first).setLastOffset(last)
                .setDeliveryState((byte) state).setDeliveryCount((short) count);
    }

    @Test
    void shouldRefuseAWriteWithALeaderEpochBelowTheOneLastWrittenOrRead() throws Exception {
        // Given: the leader at epoch 5 wrote the state
        assertThat(write(0, 0, 5, 10, batch(10, 12, 2, 1))).isEqualTo(Errors.NONE);

        // When/Then: a write at epoch 4 (a leader that was replaced) is fenced, one at 5 is not
        assertThat(write(0, 0, 4, 10, batch(10, 14, 2, 1))).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(write(0, 0, 5, 10, batch(13, 13, 4, 1))).isEqualTo(Errors.NONE);

        // When: a new leader at epoch 6 reads the state
        ReadShareGroupStateResponseData.PartitionResult read = read(topicId, 0, 6);
        assertThat(read.errorCode()).isEqualTo(Errors.NONE.code());
        // Then: the writes were merged (13 archived over the acknowledged run), and the old leader is fenced now
        assertThat(read.startOffset()).isEqualTo(10);
        assertThat(read.stateBatches()).extracting(b -> b.firstOffset() + "-" + b.lastOffset() + ":" + b.deliveryState())
                .containsExactly("10-12:2", "13-13:4");
        assertThat(write(0, 0, 5, 10, batch(14, 14, 2, 1))).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(read(topicId, 0, 5).errorCode()).isEqualTo(Errors.FENCED_LEADER_EPOCH.code());
        assertThat(write(0, 0, 6, 14)).isEqualTo(Errors.NONE);
        assertThat(read(topicId, 0, 6).stateBatches()).isEmpty(); // below the new start offset: dropped
    }

    @Test
    void shouldRefuseAWriteWithAStateEpochBelowTheInitializedOne() throws Exception {
        // Given: a leader read the state at state epoch 0, then the group's offsets were reset (state epoch 1)
        assertThat(write(1, 0, 0, 0, batch(0, 3, 2, 1))).isEqualTo(Errors.NONE);
        InitializeShareGroupStateRequestData init = new InitializeShareGroupStateRequestData().setGroupId(GROUP).setTopics(
                List.of(new InitializeShareGroupStateRequestData.InitializeStateData().setTopicId(topicId).setPartitions(List.of(
                        new InitializeShareGroupStateRequestData.PartitionData().setPartition(1).setStateEpoch(1).setStartOffset(100)))));
        assertThat(handlers.initialize(init).get(10, TimeUnit.SECONDS).results().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.NONE.code());

        // When/Then: the leader's write at state epoch 0 is fenced; the reset state is what a read sees
        assertThat(write(1, 0, 0, 4, batch(4, 5, 2, 1))).isEqualTo(Errors.FENCED_STATE_EPOCH);
        ReadShareGroupStateResponseData.PartitionResult read = read(topicId, 1, 0);
        assertThat(read.stateEpoch()).isEqualTo(1);
        assertThat(read.startOffset()).isEqualTo(100);
        assertThat(read.stateBatches()).isEmpty();
        // an initialize below the stored state epoch is fenced too
        init.topics().get(0).partitions().get(0).setStateEpoch(0);
        assertThat(handlers.initialize(init).get(10, TimeUnit.SECONDS).results().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.FENCED_STATE_EPOCH.code());
    }

    @Test
    void shouldSummarizeDeleteAndAnswerUnknownTopicsAndBadRequestsPerPartition() throws Exception {
        // Given: acknowledged 5-6 and archived 8 above start offset 5
        assertThat(write(0, 0, 0, 5, batch(5, 6, 2, 1), batch(7, 7, 0, 1), batch(8, 8, 4, 5))).isEqualTo(Errors.NONE);

        // When: the summary is read
        ReadShareGroupStateSummaryResponseData.PartitionResult summary = handlers.summary(summaryRequest(topicId, 0))
                .results().get(0).partitions().get(0);
        // Then: start offset, epochs and the completed count (KIP-1226)
        assertThat(summary.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(summary.startOffset()).isEqualTo(5);
        assertThat(summary.deliveryCompleteCount()).isEqualTo(3);

        // When: the state is deleted, Then: it reads as never initialized (start offset -1)
        DeleteShareGroupStateRequestData delete = new DeleteShareGroupStateRequestData().setGroupId(GROUP).setTopics(List.of(
                new DeleteShareGroupStateRequestData.DeleteStateData().setTopicId(topicId).setPartitions(List.of(
                        new DeleteShareGroupStateRequestData.PartitionData().setPartition(0)))));
        assertThat(handlers.delete(delete).get(10, TimeUnit.SECONDS).results().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.NONE.code());
        assertThat(read(topicId, 0, 0).startOffset()).isEqualTo(-1);
        assertThat(read(topicId, 0, 0).errorCode()).isEqualTo(Errors.NONE.code());

        // And: unknown topics and partitions, and bad partition ids, are answered per partition
        assertThat(read(Uuid.randomUuid(), 0, 0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(read(topicId, 7, 0).errorCode()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(read(topicId, -1, 0).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(write(-1, 0, 0, 0)).isEqualTo(Errors.INVALID_REQUEST);
        assertThat(handlers.summary(summaryRequest(Uuid.randomUuid(), 0)).results().get(0).partitions().get(0).errorCode())
                .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    private static ReadShareGroupStateSummaryRequestData summaryRequest(Uuid topic, int partition) {
        return new ReadShareGroupStateSummaryRequestData().setGroupId(GROUP).setTopics(List.of(
                new ReadShareGroupStateSummaryRequestData.ReadStateSummaryData().setTopicId(topic).setPartitions(List.of(
                        new ReadShareGroupStateSummaryRequestData.PartitionData().setPartition(partition)))));
    }
}
