package io.dlog.kafka.share;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.config.GroupConfigs;
import io.dlog.kafka.group.GroupCoordinator;
import io.dlog.kafka.interbroker.InterBrokerClient;
import io.dlog.kafka.purgatory.FetchPurgatory;
import io.dlog.kafka.topic.FeatureLevels;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.message.AlterShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DeleteShareGroupStateRequestData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.InitializeShareGroupStateRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ReadShareGroupStateRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateSummaryRequestData;
import org.apache.kafka.common.message.ShareAcknowledgeRequestData;
import org.apache.kafka.common.message.ShareFetchRequestData;
import org.apache.kafka.common.message.ShareGroupDescribeRequestData;
import org.apache.kafka.common.message.ShareGroupHeartbeatRequestData;
import org.apache.kafka.common.message.WriteShareGroupStateRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Share groups (KIP-932) wired into the broker: builds the share coordinator's parts, starts their timers and
 * registers their APIs. ListGroups and DeleteGroups stay registered by the consumer group coordinator;
 * {@link #listGroups} and {@link #deleteGroups} add the share groups to them.
 *
 * <p>Thread-safety: built once at start-up; the parts it holds are thread-safe.
 */
public final class ShareApis {
    private static final long LOCK_SWEEP_MS = 100;
    private static final long MEMBER_SWEEP_MS = 500;

    private final ShareGroupAdmin admin;

    private ShareApis(ShareGroupAdmin admin) {
        this.admin = admin;
    }

    /**
     * Builds the share coordinator, leader and admin of this node and registers ShareGroupHeartbeat and the rest;
     * the share-partition leader reaches state coordinated elsewhere through {@code interBroker}.
     */
    public static ShareApis register(ApiRegistry registry, BrokerContext context, GroupCoordinator groups,
                                     FetchPurgatory purgatory, InterBrokerClient interBroker) {
        ShareConfig config = ShareConfig.from(context.config());
        Supplier<Errors> enabled = () -> FeatureLevels.shareVersion(context.topics().image()) >= 1 ? Errors.NONE
                : Errors.UNSUPPORTED_VERSION;
        ShareStateStore store = ShareStateStore.start(context.topics(), context.clock(), config,
                context.scheduler()::isShutdown);
        SharePersister persister = new SharePersister(context.topics(), store, interBroker, context.scheduler(),
                context.clock()::millis);
        SharePartitionManager manager = new SharePartitionManager(context.topics(), context.clock(), persister,
                groupId -> settings(config, context.topics().image().groupConfigs(groupId)),
                purgatory::onHighWatermarkAdvanced);
        ShareSessionCache sessions = new ShareSessionCache(config.maxShareSessions(),
                (key, partitions) -> manager.releaseMember(key.groupId(), key.memberId()));
        ShareGroupCoordinator coordinator = new ShareGroupCoordinator(context.topics(), context.clock(), config,
                ShareGroupCoordinator.Groups.of(groups), manager, sessions, enabled);
        // Share groups are persisted in __consumer_offsets: the group coordinator replays them as it loads partitions.
        groups.setRecordsListener(coordinator);
        ShareFetchHandler fetches = new ShareFetchHandler(context.topics(), manager, sessions, purgatory, enabled);
        ShareGroupAdmin admin = new ShareGroupAdmin(context.topics(), coordinator, manager, store, persister,
                new EndOffsets(context.topics(), interBroker));
        try {
            context.scheduler().scheduleWithFixedDelay(manager::expireLocks, LOCK_SWEEP_MS, LOCK_SWEEP_MS, TimeUnit.MILLISECONDS);
            context.scheduler().scheduleWithFixedDelay(() -> {
                coordinator.tick();
                manager.dropUnled();
            }, MEMBER_SWEEP_MS, MEMBER_SWEEP_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the broker is stopping: no timers needed
        }
        registry.register(ApiKeys.SHARE_GROUP_HEARTBEAT, 1, 1, (RequestContext c, ShareGroupHeartbeatRequestData r) ->
                        coordinator.heartbeat(c.clientId(), clientHost(c), r))
                .register(ApiKeys.SHARE_GROUP_DESCRIBE, 1, 1, (RequestContext c, ShareGroupDescribeRequestData r) ->
                        CompletableFuture.completedFuture(coordinator.describe(r, admin::isShareGroup)))
                .register(ApiKeys.SHARE_FETCH, 1, 2, (RequestContext c, ShareFetchRequestData r) ->
                        fetches.shareFetch(c.apiVersion(), r))
                .register(ApiKeys.SHARE_ACKNOWLEDGE, 1, 2, (RequestContext c, ShareAcknowledgeRequestData r) ->
                        fetches.shareAcknowledge(c.apiVersion(), r))
                .register(ApiKeys.DESCRIBE_SHARE_GROUP_OFFSETS, 0, 1, (RequestContext c, DescribeShareGroupOffsetsRequestData r) ->
                        admin.describeOffsets(r))
                .register(ApiKeys.ALTER_SHARE_GROUP_OFFSETS, 0, 0, (RequestContext c, AlterShareGroupOffsetsRequestData r) ->
                        admin.alterOffsets(r))
                .register(ApiKeys.DELETE_SHARE_GROUP_OFFSETS, 0, 0, (RequestContext c, DeleteShareGroupOffsetsRequestData r) ->
                        admin.deleteOffsets(r));
        // The share coordinator's inter-broker APIs (Kafka's brokers advertise them on their listeners too).
        ShareStateHandlers state = new ShareStateHandlers(context.topics(), store);
        registry.register(ApiKeys.INITIALIZE_SHARE_GROUP_STATE, 0, 0, (RequestContext c, InitializeShareGroupStateRequestData r) ->
                        state.initialize(r))
                .register(ApiKeys.READ_SHARE_GROUP_STATE, 0, 0, (RequestContext c, ReadShareGroupStateRequestData r) ->
                        CompletableFuture.completedFuture(state.read(r)))
                .register(ApiKeys.WRITE_SHARE_GROUP_STATE, 0, 1, (RequestContext c, WriteShareGroupStateRequestData r) ->
                        state.write(r))
                .register(ApiKeys.DELETE_SHARE_GROUP_STATE, 0, 0, (RequestContext c, DeleteShareGroupStateRequestData r) ->
                        state.delete(r))
                .register(ApiKeys.READ_SHARE_GROUP_STATE_SUMMARY, 0, 1, (RequestContext c, ReadShareGroupStateSummaryRequestData r) ->
                        CompletableFuture.completedFuture(state.summary(r)));
        return new ShareApis(admin);
    }

    /** A share group's settings: its group configs (GROUP resource) over the broker's group.share.* keys. */
    static SharePartitionManager.GroupSettings settings(ShareConfig config, Map<String, String> overrides) {
        return new SharePartitionManager.GroupSettings(
                GroupConfigs.intValue(overrides, GroupConfigs.SHARE_RECORD_LOCK_DURATION_MS, config.recordLockDurationMs()),
                GroupConfigs.intValue(overrides, GroupConfigs.SHARE_DELIVERY_COUNT_LIMIT, config.deliveryCountLimit()),
                GroupConfigs.intValue(overrides, GroupConfigs.SHARE_PARTITION_MAX_RECORD_LOCKS, config.partitionMaxRecordLocks()),
                GroupConfigs.stringValue(overrides, GroupConfigs.SHARE_AUTO_OFFSET_RESET),
                "read_committed".equals(GroupConfigs.stringValue(overrides, GroupConfigs.SHARE_ISOLATION_LEVEL)));
    }

    /** ListGroups: the consumer coordinator's groups plus this node's share groups. */
    public ListGroupsResponseData listGroups(ListGroupsRequestData request, ListGroupsResponseData fromGroups) {
        return admin.listGroups(request, fromGroups);
    }

    /** DeleteGroups: share groups deleted here, the others by {@code others}. */
    public CompletableFuture<DeleteGroupsResponseData> deleteGroups(DeleteGroupsRequestData request,
            Function<DeleteGroupsRequestData, CompletableFuture<DeleteGroupsResponseData>> others) {
        return admin.deleteGroups(request, others);
    }

    /** Kafka reports a member's host as "/" + its address. */
    private static String clientHost(RequestContext context) {
        return context.clientAddress() == null || context.clientAddress().getAddress() == null ? ""
                : "/" + context.clientAddress().getAddress().getHostAddress();
    }
}
