package io.dlog.kafka;

import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.handlers.ApiVersionsHandler;
import io.dlog.kafka.handlers.DescribeProducersHandler;
import io.dlog.kafka.handlers.InitProducerIdHandler;
import io.dlog.kafka.handlers.ListOffsetsHandler;
import io.dlog.kafka.handlers.MetadataHandler;
import io.dlog.kafka.handlers.OffsetForLeaderEpochHandler;
import io.dlog.kafka.handlers.fetch.FetchHandler;
import io.dlog.kafka.handlers.fetch.FetchSessionCache;
import io.dlog.kafka.handlers.produce.ProduceHandler;
import io.dlog.kafka.handlers.txn.TxnApis;
import io.dlog.kafka.purgatory.FetchPurgatory;
import io.dlog.kafka.replica.ReplicaManager;
import io.dlog.kafka.txn.TransactionCoordinator;
import io.dlog.kafka.txn.TxnConfig;
import io.dlog.kafka.topic.FeatureLevels;
import io.dlog.kafka.txn.TxnMarkerWriter;
import io.dlog.kafka.txn.TxnMarkerSender;
import io.dlog.kafka.txn.TxnVerifier;
import io.dlog.kafka.interbroker.InterBrokerChannels;
import io.dlog.kafka.interbroker.InterBrokerClient;
import io.dlog.kafka.handlers.InterBrokerNodes;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.group.FindCoordinatorHandler;
import io.dlog.kafka.group.GroupConfig;
import io.dlog.kafka.group.GroupCoordinator;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The table of every API this broker serves: one handler per API key, each with its version range.
 * ApiVersions answers from this table, so only what is registered here is advertised.
 */
public final class KafkaApis {

    private KafkaApis() {
    }

    public static ApiRegistry registry(BrokerContext context) {
        ApiRegistry registry = new ApiRegistry();
        registry.measureWith(context.metrics().requests());
        FetchPurgatory purgatory = new FetchPurgatory(context.scheduler());
        registry.onStopping(purgatory::shutdown);
        if (context.topics().replicas() != null) {
            // A moved high watermark wakes consumers' long polls; an append wakes followers' fetches too.
            context.topics().replicas().setHighWatermarkListener(purgatory::onHighWatermarkAdvanced,
                    purgatory::onHighWatermarkMoved);
            // A partition this node starts leading: its followers' parked fetches answer now, so their next ones
            // can name it.
            context.topics().replicas().setFollowerReleaser(purgatory::releaseReplica);
        }
        // Markers move last stable offsets: wake the fetches waiting on those partitions.
        ReplicaManager leaders = context.topics().replicas();
        TxnMarkerWriter markers = new TxnMarkerWriter(context.topics(), context.clock(), leaders == null
                ? purgatory::onHighWatermarkAdvanced : tp -> {
                    leaders.onLeaderAppended(tp); // a leader alone in its ISR commits the marker now
                    purgatory.onHighWatermarkAdvanced(tp);
                });
        // The coordinator's markers and leaders' transaction checks travel over the Kafka protocol to other
        // nodes, as Kafka's brokers send them; this node's own go straight to its writer and coordinator.
        InterBrokerClient interBroker = InterBrokerClient.start(context.nodeId(), InterBrokerNodes.of(context),
                InterBrokerClient.Settings.DEFAULTS, InterBrokerChannels.forInterBrokerListener(context.config()));
        registry.closeWith(interBroker);
        TransactionCoordinator transactions = TransactionCoordinator.start(context, TxnConfig.from(context.config()),
                new TxnMarkerSender(context.topics(), interBroker, context.nodeId(), markers::write, context.scheduler()));
        TxnVerifier verifier = new TxnVerifier(context.topics(), transactions, interBroker);
        registerDataPlane(registry, context, purgatory, transactions, verifier);
        registerAdmin(registry, context);
        GroupCoordinator groups = GroupCoordinator.start(context, GroupConfig.from(context.config()));
        io.dlog.kafka.metrics.ClusterGauges.registerGroups(context.metrics(), groups);
        io.dlog.kafka.share.ShareApis shares = io.dlog.kafka.share.ShareApis.register(registry, context, groups, purgatory,
                interBroker);
        registerGroups(registry, context, groups, shares);
        // A marker on __consumer_offsets settles the producer's transactional offsets there.
        markers.setListener((tp, producerId, commit) -> {
            if (tp.topic().equals(InternalTopics.CONSUMER_OFFSETS)) {
                groups.onTxnMarker(tp.partition(), producerId, commit);
            }
        });
        TxnApis.register(registry, context, transactions, markers);
        io.dlog.kafka.security.AclAuthorizer authorizer = io.dlog.kafka.security.AclAuthorizer.fromSettings(
                context.config().staticValues(), () -> context.topics().image());
        registerSecurity(registry, context, authorizer != null);
        registerStreamsGroups(registry, context, groups, authorizer);
        registry.register(ApiKeys.TXN_OFFSET_COMMIT, 0, 5, new io.dlog.kafka.handlers.txn.TxnOffsetCommitHandler(context,
                verifier, groups));
        if (authorizer != null) {
            // Last: it wraps the handlers registered so far, so every API is checked.
            io.dlog.kafka.authz.Authorization.enforce(registry, context, authorizer);
        }
        registry.requestMetrics().prepare(registry.entries().keySet());
        return registry;
    }

    /**
     * ACLs, SASL, SCRAM credentials and client quotas. SaslHandshake and SaslAuthenticate are answered by the connection's
     * authenticator while it authenticates; reaching these handlers means the connection is authenticated
     * already or its listener has no SASL, which Kafka answers with ILLEGAL_SASL_STATE.
     */
    private static void registerSecurity(ApiRegistry registry, BrokerContext context, boolean authorizerEnabled) {
        io.dlog.kafka.handlers.admin.ScramCredentialsHandler scram = new io.dlog.kafka.handlers.admin.ScramCredentialsHandler(context);
        io.dlog.kafka.handlers.admin.AclsHandler acls = new io.dlog.kafka.handlers.admin.AclsHandler(context, authorizerEnabled);
        registry.register(ApiKeys.CREATE_ACLS, 0, 3, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context, acls::create))
                .register(ApiKeys.DESCRIBE_ACLS, 0, 3, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context, acls::describe))
                .register(ApiKeys.DELETE_ACLS, 0, 3, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context, acls::delete));
        registry.register(ApiKeys.SASL_HANDSHAKE, 0, 1, (RequestContext c, org.apache.kafka.common.message.SaslHandshakeRequestData r) ->
                        CompletableFuture.completedFuture(new org.apache.kafka.common.message.SaslHandshakeResponseData()
                                .setErrorCode(org.apache.kafka.common.protocol.Errors.ILLEGAL_SASL_STATE.code())))
                .register(ApiKeys.SASL_AUTHENTICATE, 0, 2, (RequestContext c, org.apache.kafka.common.message.SaslAuthenticateRequestData r) ->
                        CompletableFuture.completedFuture(new org.apache.kafka.common.message.SaslAuthenticateResponseData()
                                .setErrorCode(org.apache.kafka.common.protocol.Errors.ILLEGAL_SASL_STATE.code()).setAuthBytes(new byte[0])
                                .setErrorMessage("SaslAuthenticate request received after successful authentication")))
                .register(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, 0, 0, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context,
                        scram::describe))
                .register(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, 0, 0, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context,
                        scram::alter));
        io.dlog.kafka.handlers.admin.ClientQuotasHandler quotas = new io.dlog.kafka.handlers.admin.ClientQuotasHandler(context);
        registry.register(ApiKeys.DESCRIBE_CLIENT_QUOTAS, 0, 1, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context,
                        quotas::describe))
                .register(ApiKeys.ALTER_CLIENT_QUOTAS, 0, 1, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context,
                        quotas::alter));
    }

    /** ApiVersions, Metadata, Produce, Fetch, ListOffsets, OffsetForLeaderEpoch, producer ids. */
    private static void registerDataPlane(ApiRegistry registry, BrokerContext context, FetchPurgatory purgatory,
                                          TransactionCoordinator transactions, TxnVerifier verifier) {
        FetchSessionCache sessions = new FetchSessionCache(context.config().maxIncrementalFetchSessionCacheSlots(),
                context.clock());
        short configuredTv = TxnConfig.from(context.config()).transactionVersion();
        // Produce bytes are counted by the connection (the request size, before dispatch); fetch bytes by
        // the fetch handler (the response size, before the response is built).
        io.dlog.kafka.quota.ClientQuotas quotas = io.dlog.kafka.quota.ClientQuotas.of(context);
        registry.useClientQuotas(quotas);
        registry.register(ApiKeys.API_VERSIONS, 0, 4, new ApiVersionsHandler(registry, () -> {
                    io.dlog.log.metadata.MetadataImage image = context.topics().image();
                    return new ApiVersionsHandler.Features(FeatureLevels.SUPPORTED, FeatureLevels.levels(image, configuredTv),
                            image.version());
                }))
                .register(ApiKeys.METADATA, 0, 13, new MetadataHandler(context))
                .register(ApiKeys.PRODUCE, 3, 13, new ProduceHandler(context, purgatory, verifier))
                .register(ApiKeys.FETCH, 4, 18, new FetchHandler(context, sessions, purgatory, quotas.fetch()))
                .register(ApiKeys.LIST_OFFSETS, 1, 11, new ListOffsetsHandler(context))
                .register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 2, 4, new OffsetForLeaderEpochHandler(context))
                .register(ApiKeys.INIT_PRODUCER_ID, 0, 5, new InitProducerIdHandler(context, transactions))
                .register(ApiKeys.DESCRIBE_PRODUCERS, 0, 0, new DescribeProducersHandler(context));
    }

    /** Topic, config, log-dir and cluster administration. */
    private static void registerAdmin(ApiRegistry registry, BrokerContext context) {
        // Versions: all that kafka-clients 4.3.1 parses (Kafka 3.x clients ask for a subset).
        // AlterConfigs and IncrementalAlterConfigs share one queue: config changes are read-modify-write.
        var configChanges = new io.dlog.kafka.handlers.admin.ConfigChangeQueue();
        // Changes and config reads first catch up with the metadata leader (MetadataBarrier).
        registry.register(ApiKeys.CREATE_TOPICS, 2, 7, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context,
                        new io.dlog.kafka.handlers.admin.CreateTopicsHandler(context)))
                .register(ApiKeys.DELETE_TOPICS, 1, 6, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context,
                        new io.dlog.kafka.handlers.admin.DeleteTopicsHandler(context)))
                .register(ApiKeys.CREATE_PARTITIONS, 0, 3, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context,
                        new io.dlog.kafka.handlers.admin.CreatePartitionsHandler(context)))
                .register(ApiKeys.DESCRIBE_CONFIGS, 1, 4, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context,
                        new io.dlog.kafka.handlers.admin.DescribeConfigsHandler(context)))
                .register(ApiKeys.ALTER_CONFIGS, 0, 2, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context,
                        new io.dlog.kafka.handlers.admin.AlterConfigsHandler(context, configChanges)))
                .register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, 1, io.dlog.kafka.handlers.admin.MetadataBarrier.around(
                        context, new io.dlog.kafka.handlers.admin.IncrementalAlterConfigsHandler(context, configChanges)))
                .register(ApiKeys.DELETE_RECORDS, 0, 2, new io.dlog.kafka.handlers.admin.DeleteRecordsHandler(context))
                .register(ApiKeys.DESCRIBE_CLUSTER, 0, 2, new io.dlog.kafka.handlers.admin.DescribeClusterHandler(context))
                .register(ApiKeys.ELECT_LEADERS, 0, 2, new io.dlog.kafka.handlers.admin.ElectLeadersHandler(context))
                .register(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, 0, 1, io.dlog.kafka.handlers.admin.MetadataBarrier.around(
                        context, new io.dlog.kafka.handlers.admin.AlterPartitionReassignmentsHandler(context)))
                .register(ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0, 0, io.dlog.kafka.handlers.admin.MetadataBarrier.around(
                        context, new io.dlog.kafka.handlers.admin.ListPartitionReassignmentsHandler(context)))
                .register(ApiKeys.DESCRIBE_QUORUM, 0, 2, new io.dlog.kafka.handlers.admin.DescribeQuorumHandler(context))
                .register(ApiKeys.DESCRIBE_LOG_DIRS, 1, 5, new io.dlog.kafka.handlers.admin.DescribeLogDirsHandler(context))
                .register(ApiKeys.UPDATE_FEATURES, 0, 2, io.dlog.kafka.handlers.admin.MetadataBarrier.around(context,
                        new io.dlog.kafka.handlers.admin.UpdateFeaturesHandler(context,
                                TxnConfig.from(context.config()).transactionVersion())));
    }

    /**
     * Consumer groups and offsets (classic protocol and KIP-848), served by one {@link GroupCoordinator}
     * that loads {@code __consumer_offsets} in the background. Versions as Kafka 4.x serves them.
     */
    private static void registerGroups(ApiRegistry registry, BrokerContext context, GroupCoordinator groups,
                                       io.dlog.kafka.share.ShareApis shares) {
        registry.register(ApiKeys.FIND_COORDINATOR, 0, 6, new FindCoordinatorHandler(context))
                .register(ApiKeys.JOIN_GROUP, 2, 9, (RequestContext c, JoinGroupRequestData r) ->
                        groups.joinGroup(c.apiVersion(), c.clientId(), clientHost(c), r))
                .register(ApiKeys.SYNC_GROUP, 0, 5, (RequestContext c, SyncGroupRequestData r) -> groups.syncGroup(r))
                .register(ApiKeys.HEARTBEAT, 0, 4, (RequestContext c, HeartbeatRequestData r) ->
                        CompletableFuture.completedFuture(groups.heartbeat(r)))
                .register(ApiKeys.LEAVE_GROUP, 0, 5, (RequestContext c, LeaveGroupRequestData r) ->
                        CompletableFuture.completedFuture(groups.leaveGroup(c.apiVersion(), r)))
                .register(ApiKeys.OFFSET_COMMIT, 2, 10, (RequestContext c, OffsetCommitRequestData r) ->
                        groups.offsetCommit(c.apiVersion(), r))
                .register(ApiKeys.OFFSET_FETCH, 1, 10, (RequestContext c, OffsetFetchRequestData r) ->
                        CompletableFuture.completedFuture(groups.offsetFetch(c.apiVersion(), r)))
                .register(ApiKeys.OFFSET_DELETE, 0, 0, (RequestContext c, OffsetDeleteRequestData r) -> groups.offsetDelete(r))
                .register(ApiKeys.DESCRIBE_GROUPS, 0, 6, (RequestContext c, DescribeGroupsRequestData r) ->
                        CompletableFuture.completedFuture(groups.describeGroups(c.apiVersion(), r)))
                .register(ApiKeys.LIST_GROUPS, 0, 5, (RequestContext c, ListGroupsRequestData r) ->
                        CompletableFuture.completedFuture(shares.listGroups(r, groups.listGroups(r))))
                .register(ApiKeys.DELETE_GROUPS, 0, 2, (RequestContext c, DeleteGroupsRequestData r) ->
                        shares.deleteGroups(r, groups::deleteGroups))
                .register(ApiKeys.CONSUMER_GROUP_HEARTBEAT, 0, 1, (RequestContext c, ConsumerGroupHeartbeatRequestData r) ->
                        groups.consumerGroupHeartbeat(c.apiVersion(), c.clientId(), clientHost(c), r))
                .register(ApiKeys.CONSUMER_GROUP_DESCRIBE, 0, 1, (RequestContext c, ConsumerGroupDescribeRequestData r) ->
                        CompletableFuture.completedFuture(groups.consumerGroupDescribe(r)));
    }

    /**
     * Streams groups (KIP-1071); the heartbeat creates the groups' internal topics, for principals allowed to
     * create them when an authorizer is configured ({@code authorizer} null: none is).
     */
    private static void registerStreamsGroups(ApiRegistry registry, BrokerContext context, GroupCoordinator groups,
                                              io.dlog.kafka.security.AclAuthorizer authorizer) {
        registry.register(ApiKeys.STREAMS_GROUP_HEARTBEAT, 0, 0,
                        new io.dlog.kafka.handlers.StreamsGroupHeartbeatHandler(context, groups, authorizer))
                .register(ApiKeys.STREAMS_GROUP_DESCRIBE, 0, 0, (RequestContext c,
                        org.apache.kafka.common.message.StreamsGroupDescribeRequestData r) ->
                        CompletableFuture.completedFuture(groups.streamsGroupDescribe(r)));
    }

    /** Kafka reports a member's host as "/" + its address. */
    private static String clientHost(RequestContext context) {
        return context.clientAddress() == null || context.clientAddress().getAddress() == null ? ""
                : "/" + context.clientAddress().getAddress().getHostAddress();
    }
}
