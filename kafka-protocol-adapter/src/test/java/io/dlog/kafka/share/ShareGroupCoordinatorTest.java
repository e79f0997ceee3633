package io.dlog.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.group.GroupRecordsListener;
import io.dlog.kafka.topic.SingleNodeTopics;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.LogConfig;
import io.dlog.log.LogManager;
import io.dlog.log.LogManagerConfig;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ShareGroupDescribeResponseData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The share group coordinator persists its groups in {@code __consumer_offsets} with Kafka's records (epoch,
 * share-partitions by state, tombstones) and restores them from those records on another node, members aside.
 * One node, a real topic; the group coordinator is a fake that keeps the appended records.
 */
class ShareGroupCoordinatorTest {
    private static final String GROUP = "queue";

    @TempDir
    Path dir;
    private LogManager logs;
    private SingleNodeTopics metadata;
    private TopicService topics;
    private UUID data;
    private final List<GroupRecordsListener.Record> log = new ArrayList<>();

    /** The group coordinator as this one sees it: every group served here, appends kept in order. */
    private final ShareGroupCoordinator.Groups groups = new ShareGroupCoordinator.Groups() {
        @Override
        public Errors availability(String groupId) {
            return null;
        }

        @Override
        public boolean hasGroup(String groupId) {
            return false;
        }

        @Override
        public CompletableFuture<Void> append(String groupId, List<GroupRecordsListener.Record> records) {
            log.addAll(records);
            return CompletableFuture.completedFuture(null);
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        logs = LogManager.open(LogManagerConfig.defaults(dir), Clock.systemUTC(), t -> LogConfig.DEFAULT);
        metadata = SingleNodeTopics.open(dir.resolve("raft"), logs, BrokerConfig.parse(Map.of(BrokerConfig.LOG_DIRS,
                dir.toString())));
        topics = metadata.topics();
        metadata.createTopic("data", 2, Map.of());
        data = topics.image().topic("data").orElseThrow().topicId();
    }

    @AfterEach
    void tearDown() throws Exception {
        topics.close();
        metadata.close();
        logs.close();
    }

    private ShareGroupCoordinator coordinator() {
        ShareConfig config = ShareConfig.from(BrokerConfig.parse(Map.of(BrokerConfig.LOG_DIRS, dir.toString())));
        SharePartitionManager manager = new SharePartitionManager(topics, Clock.systemUTC(), null,
                groupId -> ShareApis.settings(config, Map.of()), tp -> { });
        return new ShareGroupCoordinator(topics, Clock.systemUTC(), config, groups, manager,
                new ShareSessionCache(10, (key, partitions) -> { }), () -> Errors.NONE);
    }

    private static ShareGroupHeartbeatResponseData heartbeat(ShareGroupCoordinator coordinator, String member, int epoch)
            throws Exception {
        ShareGroupHeartbeatRequestData request = new ShareGroupHeartbeatRequestData().setGroupId(GROUP).setMemberId(member)
                .setMemberEpoch(epoch).setSubscribedTopicNames(epoch == 0 ? List.of("data") : null);
        return coordinator.heartbeat("client", "/127.0.0.1", request).get();
    }

    private ShareGroupRecords.StatePartitions lastStatePartitions() {
        for (int i = log.size() - 1; i >= 0; i--) {
            ShareGroupRecords.Key key = ShareGroupRecords.readKey(ByteBuffer.wrap(log.get(i).key()));
            if (key.type() == ShareGroupRecords.STATE_PARTITION_METADATA) {
                return ShareGroupRecords.readStatePartitionMetadata(ByteBuffer.wrap(log.get(i).value()));
            }
        }
        throw new AssertionError("no ShareGroupStatePartitionMetadata record");
    }

    private int lastEpoch() {
        for (int i = log.size() - 1; i >= 0; i--) {
            ShareGroupRecords.Key key = ShareGroupRecords.readKey(ByteBuffer.wrap(log.get(i).key()));
            if (key.type() == ShareGroupRecords.METADATA) {
                return ShareGroupRecords.readMetadataEpoch(ByteBuffer.wrap(log.get(i).value()));
            }
        }
        throw new AssertionError("no ShareGroupMetadata record");
    }

    @Test
    void shouldPersistTheEpochAndTheAssignedSharePartitionsAsAMemberJoinsAndLeaves() throws Exception {
        ShareGroupCoordinator coordinator = coordinator();

        // When: a member joins
        ShareGroupHeartbeatResponseData joined = heartbeat(coordinator, "m1", 0);

        // Then: the group's epoch and its two share-partitions, initializing, are written
        assertThat(joined.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(lastEpoch()).isEqualTo(joined.memberEpoch());
        assertThat(lastStatePartitions()).isEqualTo(new ShareGroupRecords.StatePartitions(Map.of(data, Set.of(0, 1)),
                Map.of(), Set.of()));

        // When: it leaves
        int written = log.size();
        heartbeat(coordinator, "m1", -1);

        // Then: only the new epoch is written; the group stays, empty
        assertThat(log).hasSize(written + 1);
        assertThat(lastEpoch()).isGreaterThan(joined.memberEpoch());
        assertThat(coordinator.states()).containsEntry(GROUP, "Empty");
    }

    @Test
    void shouldRestoreAnEmptyGroupElsewhereFromItsRecordsAndGoOnFromItsEpoch() throws Exception {
        // Given: a group a member joined and left, and its share-partition 0 seen initialized
        ShareGroupCoordinator first = coordinator();
        heartbeat(first, "m1", 0);
        heartbeat(first, "m1", -1);
        first.markInitialized(GROUP, List.of(new SharePartitionKey(GROUP, data, 0)), false).get();
        int epoch = lastEpoch();

        // When: another coordinator loads the records
        ShareGroupCoordinator second = coordinator();
        second.onLoad(groupId -> true, List.copyOf(log));

        // Then: it describes the group, empty, at its epoch, and knows its share-partitions
        ShareGroupDescribeResponseData.DescribedGroup described = second.describe(GROUP, false);
        assertThat(described.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(described.groupState()).isEqualTo("Empty");
        assertThat(described.groupEpoch()).isEqualTo(epoch);
        assertThat(second.sharePartitions(GROUP)).containsExactlyInAnyOrder(new SharePartitionKey(GROUP, data, 0),
                new SharePartitionKey(GROUP, data, 1));
        assertThat(lastStatePartitions()).isEqualTo(new ShareGroupRecords.StatePartitions(Map.of(data, Set.of(1)),
                Map.of(data, Set.of(0)), Set.of()));

        // And: a member joining there moves the epoch on from the persisted one
        assertThat(heartbeat(second, "m2", 0).memberEpoch()).isGreaterThan(epoch);
        assertThat(lastEpoch()).isGreaterThan(epoch);

        // And: a load of other partitions leaves it; an unload of its partition forgets it
        second.onLoad(groupId -> !groupId.equals(GROUP), List.of());
        assertThat(second.sharePartitions(GROUP)).isNotNull();
        second.onUnload(groupId -> groupId.equals(GROUP));
        assertThat(second.sharePartitions(GROUP)).isNull();
    }

    @Test
    void shouldWriteTombstonesOnDeleteAndForgetDeletedSharePartitions() throws Exception {
        // Given: a group with two share-partitions
        ShareGroupCoordinator first = coordinator();
        heartbeat(first, "m1", 0);
        heartbeat(first, "m1", -1);

        // When: the offsets of partition 1 are deleted
        first.forgetPartitions(GROUP, List.of(new SharePartitionKey(GROUP, data, 1))).get();

        // Then: only partition 0 is left
        assertThat(lastStatePartitions().initializing()).isEqualTo(Map.of(data, Set.of(0)));

        // When: the group is deleted
        first.delete(GROUP).get();

        // Then: its two keys get tombstones, and a coordinator loading the records knows no such group
        assertThat(log.subList(log.size() - 2, log.size())).allSatisfy(r -> assertThat(r.value()).isNull())
                .extracting(r -> ShareGroupRecords.readKey(ByteBuffer.wrap(r.key())).type())
                .containsExactlyInAnyOrder(ShareGroupRecords.METADATA, ShareGroupRecords.STATE_PARTITION_METADATA);
        assertThat(first.sharePartitions(GROUP)).isNull();
        ShareGroupCoordinator second = coordinator();
        second.onLoad(groupId -> true, List.copyOf(log));
        assertThat(second.sharePartitions(GROUP)).isNull();
        assertThat(second.describe(GROUP, false).errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }
}
