package io.dlog.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;

import io.dlog.kafka.config.BrokerConfig;
import io.dlog.kafka.group.GroupRecordsListener;
import io.dlog.kafka.group.GroupTestSupport;
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
 * The share group coordinator persists its groups in {@code __consumer_offsets} with Kafka 4.3.1's records
 * (members, epoch and metadata hash, target and current assignments, share-partitions by state, tombstones) in
 * Kafka's order, and restores them from those records on another node, members included. One node, a real
 * topic; the group coordinator is a fake that keeps the appended records; time is a manual clock.
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
    private final GroupTestSupport.ManualClock clock = new GroupTestSupport.ManualClock();

    /** The group coordinator as this one sees it: every group served here, appends kept in order. */
    private final ShareGroupCoordinator.Groups groups = new ServedHere(false);

    /**
     * Serves every group here and keeps appends in order; when {@code othersTakeNewIds}, a consumer join takes every
     * new id between the share coordinator's first check and its creation.
     */
    private final class ServedHere implements ShareGroupCoordinator.Groups {
        private final boolean othersTakeNewIds;

        ServedHere(boolean othersTakeNewIds) {
            this.othersTakeNewIds = othersTakeNewIds;
        }

        @Override
        public Errors availability(String groupId) {
            return null;
        }

        @Override
        public boolean hasGroup(String groupId) {
            return false;
        }

        @Override
        public boolean createUnlessTaken(String groupId, Runnable create) {
            if (othersTakeNewIds) {
                return false;
            }
            create.run();
            return true;
        }

        @Override
        public CompletableFuture<Void> append(String groupId, List<GroupRecordsListener.Record> records) {
            log.addAll(records);
            return CompletableFuture.completedFuture(null);
        }
    }

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
        return coordinator(groups);
    }

    private ShareGroupCoordinator coordinator(ShareGroupCoordinator.Groups groups) {
        ShareConfig config = ShareConfig.from(BrokerConfig.parse(Map.of(BrokerConfig.LOG_DIRS, dir.toString())));
        SharePartitionManager manager = new SharePartitionManager(topics, Clock.systemUTC(), null,
                groupId -> ShareApis.settings(config, Map.of()), tp -> { });
        return new ShareGroupCoordinator(topics, clock, config, groups, manager,
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

    /** The record types written from {@code from} on. */
    private List<Integer> types(int from) {
        return log.subList(from, log.size()).stream()
                .map(r -> (int) ShareGroupRecords.readKey(ByteBuffer.wrap(r.key())).type()).toList();
    }

    /** The value of the last record of {@code type}. */
    private ByteBuffer value(int type) {
        for (int i = log.size() - 1; i >= 0; i--) {
            if (ShareGroupRecords.readKey(ByteBuffer.wrap(log.get(i).key())).type() == type) {
                return ByteBuffer.wrap(log.get(i).value());
            }
        }
        throw new AssertionError("no record of type " + type);
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
    void shouldNotMakeAShareGroupWhenAnotherTypeTakesTheIdAfterTheFirstCheck() throws Exception {
        // Given: the group coordinator has no group of this id when asked first, but a consumer join takes it before
        // the share join makes its group (two joins of different types racing for a new id)
        ShareGroupCoordinator coordinator = coordinator(new ServedHere(true));

        // When
        ShareGroupHeartbeatResponseData response = heartbeat(coordinator, "m1", 0);

        // Then: the share join loses as it would have had it come second, and no share group holds the id
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        assertThat(response.errorMessage()).isEqualTo("Group queue is not a share group.");
        assertThat(coordinator.holdsGroup(GROUP)).isFalse();
        assertThat(log).isEmpty();
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

        // Then: its tombstones are written (Kafka's fencing order), the new epoch and the new (empty) target's
        // epoch; the group stays, empty
        assertThat(types(written)).containsExactly(14, 13, 10, 11, 12);
        assertThat(log.subList(written, written + 3)).allSatisfy(r -> assertThat(r.value()).isNull());
        assertThat(lastEpoch()).isGreaterThan(joined.memberEpoch());
        assertThat(coordinator.states()).containsEntry(GROUP, "Empty");
    }

    @Test
    void shouldWriteAJoiningMembersRecordsInKafkasOrderWithTheTopicsMetadataHash() throws Exception {
        ShareGroupCoordinator coordinator = coordinator();

        // When: a member joins
        ShareGroupHeartbeatResponseData joined = heartbeat(coordinator, "m1", 0);

        // Then: as Kafka's heartbeat: member, group epoch, target of the member, target epoch, current
        // assignment, share-partitions
        assertThat(types(0)).containsExactly(10, 11, 13, 12, 14, 15);
        assertThat(ShareGroupRecords.readMemberMetadata(value(10))).isEqualTo(new ShareGroupRecords.MemberMetadata(
                null, "client", "/127.0.0.1", List.of("data")));
        assertThat(ShareGroupRecords.readTargetMember(value(13))).isEqualTo(Map.of(data, Set.of(0, 1)));
        assertThat(ShareGroupRecords.readTargetMetadata(value(12)))
                .isEqualTo(new ShareGroupRecords.TargetMetadata(joined.memberEpoch(), clock.millis()));
        assertThat(ShareGroupRecords.readCurrentAssignment(value(14))).isEqualTo(new ShareGroupRecords.CurrentAssignment(
                joined.memberEpoch(), 0, Map.of(data, Set.of(0, 1))));
        long hash = ShareGroupRecords.readMetadataHash(value(11));
        assertThat(hash).isNotZero().isEqualTo(MetadataHash.of(List.of("data"), topics.image()));

        // And: a heartbeat that changes nothing writes nothing
        int written = log.size();
        assertThat(heartbeat(coordinator, "m1", joined.memberEpoch()).memberEpoch()).isEqualTo(joined.memberEpoch());
        assertThat(log).hasSize(written);
    }

    @Test
    void shouldMoveTheEpochOnceWhenTheSubscribedTopicsMetadataHashChanges() throws Exception {
        // Given: a member subscribed to "data" and to "later", which does not exist yet
        ShareGroupCoordinator coordinator = coordinator();
        ShareGroupHeartbeatResponseData joined = coordinator.heartbeat("client", "/127.0.0.1",
                new ShareGroupHeartbeatRequestData().setGroupId(GROUP).setMemberId("m1").setMemberEpoch(0)
                        .setSubscribedTopicNames(List.of("data", "later"))).get();
        assertThat(ShareGroupRecords.readMetadataHash(value(11))).isEqualTo(MetadataHash.of(List.of("data"), topics.image()));

        // When: "later" is created, and the member heartbeats
        metadata.createTopic("later", 3, Map.of());
        UUID later = topics.image().topic("later").orElseThrow().topicId();
        ShareGroupHeartbeatResponseData moved = heartbeat(coordinator, "m1", joined.memberEpoch());

        // Then: the epoch moved by one, the new hash is written with it, and the member has the new partitions
        assertThat(moved.memberEpoch()).isEqualTo(joined.memberEpoch() + 1);
        assertThat(lastEpoch()).isEqualTo(moved.memberEpoch());
        assertThat(ShareGroupRecords.readMetadataHash(value(11)))
                .isEqualTo(MetadataHash.of(List.of("data", "later"), topics.image()));
        assertThat(ShareGroupRecords.readCurrentAssignment(value(14)).partitions())
                .isEqualTo(Map.of(data, Set.of(0, 1), later, Set.of(0, 1, 2)));
    }

    @Test
    void shouldRestoreMembersElsewhereSoTheyGoOnHeartbeatingWithTheirEpochsAndAssignments() throws Exception {
        // Given: two members of a group, each at the group's epoch with one partition
        ShareGroupCoordinator first = coordinator();
        int joined = heartbeat(first, "m1", 0).memberEpoch();
        heartbeat(first, "m2", 0);
        int epoch = heartbeat(first, "m1", joined).memberEpoch();
        ShareGroupDescribeResponseData.DescribedGroup before = first.describe(GROUP, false);
        assertThat(before.members()).extracting(m -> m.memberEpoch()).containsOnly(epoch);

        // When: another coordinator loads the records, and the members heartbeat there with their epochs
        ShareGroupCoordinator second = coordinator();
        second.onLoad(groupId -> true, List.copyOf(log));
        int written = log.size();
        ShareGroupHeartbeatResponseData m1 = heartbeat(second, "m1", epoch);
        ShareGroupHeartbeatResponseData m2 = heartbeat(second, "m2", epoch);

        // Then: they are known, at the same epochs, the group did not move on, nothing was written
        assertThat(m1.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(m2.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(m1.memberEpoch()).isEqualTo(epoch);
        assertThat(m2.memberEpoch()).isEqualTo(epoch);
        assertThat(log).hasSize(written);
        ShareGroupDescribeResponseData.DescribedGroup after = second.describe(GROUP, false);
        assertThat(after.groupEpoch()).isEqualTo(before.groupEpoch());
        assertThat(after.assignmentEpoch()).isEqualTo(before.assignmentEpoch());
        assertThat(after.members()).usingRecursiveFieldByFieldElementComparator()
                .containsExactlyInAnyOrderElementsOf(before.members());
    }

    @Test
    void shouldStartTheSessionsOfLoadedMembersAtTheLoad() throws Exception {
        // Given: a member, and a coordinator that loads its group a minute later
        ShareGroupCoordinator first = coordinator();
        int epoch = heartbeat(first, "m1", 0).memberEpoch();
        clock.advance(60_000);
        ShareGroupCoordinator second = coordinator();
        second.onLoad(groupId -> true, List.copyOf(log));
        int sessionMs = ShareConfig.from(BrokerConfig.parse(Map.of(BrokerConfig.LOG_DIRS, dir.toString()))).sessionTimeoutMs();

        // When: less than a session passes since the load
        clock.advance(sessionMs - 1);
        second.tick();

        // Then: the member is still there
        assertThat(second.states()).containsEntry(GROUP, "Stable");

        // When: its session ends without a heartbeat
        int written = log.size();
        clock.advance(2);
        second.tick();

        // Then: it is removed with its tombstones, and the group moves on
        assertThat(second.states()).containsEntry(GROUP, "Empty");
        assertThat(types(written)).startsWith(14, 13, 10, 11);
        assertThat(lastEpoch()).isGreaterThan(epoch);
    }

    @Test
    void shouldAcceptTheMembersPreviousEpochAsKafkaDoes() throws Exception {
        // Given: a member moved from epoch e1 to e2 by a second member's joining
        ShareGroupCoordinator coordinator = coordinator();
        int e1 = heartbeat(coordinator, "m1", 0).memberEpoch();
        heartbeat(coordinator, "m2", 0);
        ShareGroupHeartbeatResponseData moved = heartbeat(coordinator, "m1", e1);
        int e2 = moved.memberEpoch();
        assertThat(e2).isGreaterThan(e1);

        // When: it heartbeats with e1 again (the answer was lost), after the coordinator moved
        ShareGroupCoordinator second = coordinator();
        second.onLoad(groupId -> true, List.copyOf(log));
        ShareGroupHeartbeatResponseData again = heartbeat(second, "m1", e1);

        // Then: it gets e2 and its assignment again; an epoch it never had is fenced
        assertThat(again.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(again.memberEpoch()).isEqualTo(e2);
        assertThat(again.assignment()).isEqualTo(moved.assignment());
        assertThat(heartbeat(second, "m1", e2 + 1).errorCode()).isEqualTo(Errors.FENCED_MEMBER_EPOCH.code());
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

        // Then: its keys get tombstones in Kafka's order (the target's epoch, the share-partitions, the group's
        // epoch), and a coordinator loading the records knows no such group
        assertThat(log.subList(log.size() - 3, log.size())).allSatisfy(r -> assertThat(r.value()).isNull());
        assertThat(types(log.size() - 3)).containsExactly(12, 15, 11);
        assertThat(first.sharePartitions(GROUP)).isNull();
        ShareGroupCoordinator second = coordinator();
        second.onLoad(groupId -> true, List.copyOf(log));
        assertThat(second.sharePartitions(GROUP)).isNull();
        assertThat(second.describe(GROUP, false).errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }
}
