package io.dlog.kafka.authz;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.security.AclAuthorizer;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Puts the authorizer in front of every API handler, with the checks Kafka's request handlers make
 * (see the rule classes). An API without a rule of its own needs CLUSTER_ACTION on the cluster, which
 * only brokers and super users have: nothing is served unchecked by accident. ApiVersions and the SASL
 * APIs are not checked, as in Kafka. Stateless once built.
 */
public final class Authorization {
    private static final Map<ApiKeys, Rule> RULES = rules();

    private Authorization() {
    }

    /** Wraps every handler of {@code registry} with its API's checks by {@code authorizer}. */
    public static void enforce(ApiRegistry registry, BrokerContext context, AclAuthorizer authorizer) {
        registry.wrapHandlers((key, handler) -> wrap(key, handler, context, authorizer));
    }

    private static ApiHandler<ApiMessage> wrap(ApiKeys key, ApiHandler<ApiMessage> handler, BrokerContext context,
                                               AclAuthorizer authorizer) {
        Rule rule = RULES.getOrDefault(key, Rule.cluster(AclOperation.CLUSTER_ACTION));
        return (request, data) -> rule.apply(new Check(authorizer, request, context.topics().image()), data, handler);
    }

    private static Map<ApiKeys, Rule> rules() {
        Map<ApiKeys, Rule> rules = new EnumMap<>(ApiKeys.class);
        rules.put(ApiKeys.API_VERSIONS, Rule.none());
        rules.put(ApiKeys.SASL_HANDSHAKE, Rule.none());
        rules.put(ApiKeys.SASL_AUTHENTICATE, Rule.none());
        rules.put(ApiKeys.PRODUCE, DataPlaneRules::produce);
        rules.put(ApiKeys.FETCH, DataPlaneRules::fetch);
        rules.put(ApiKeys.LIST_OFFSETS, DataPlaneRules::listOffsets);
        rules.put(ApiKeys.OFFSET_FOR_LEADER_EPOCH, DataPlaneRules::offsetForLeaderEpoch);
        rules.put(ApiKeys.DESCRIBE_PRODUCERS, DataPlaneRules::describeProducers);
        rules.put(ApiKeys.METADATA, DataPlaneRules::metadata);
        rules.put(ApiKeys.CREATE_TOPICS, AdminRules::createTopics);
        rules.put(ApiKeys.DELETE_TOPICS, AdminRules::deleteTopics);
        rules.put(ApiKeys.CREATE_PARTITIONS, AdminRules::createPartitions);
        rules.put(ApiKeys.DELETE_RECORDS, AdminRules::deleteRecords);
        rules.put(ApiKeys.DESCRIBE_CONFIGS, AdminRules::describeConfigs);
        rules.put(ApiKeys.ALTER_CONFIGS, AdminRules::alterConfigs);
        rules.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, AdminRules::incrementalAlterConfigs);
        rules.put(ApiKeys.DESCRIBE_CLUSTER, AdminRules::describeCluster);
        rules.put(ApiKeys.DESCRIBE_LOG_DIRS, Rule.cluster(AclOperation.DESCRIBE));
        rules.put(ApiKeys.DESCRIBE_QUORUM, Rule.cluster(AclOperation.DESCRIBE));
        rules.put(ApiKeys.DESCRIBE_ACLS, Rule.cluster(AclOperation.DESCRIBE));
        rules.put(ApiKeys.CREATE_ACLS, Rule.cluster(AclOperation.ALTER));
        rules.put(ApiKeys.DELETE_ACLS, Rule.cluster(AclOperation.ALTER));
        rules.put(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, Rule.cluster(AclOperation.DESCRIBE));
        rules.put(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, Rule.cluster(AclOperation.ALTER));
        rules.put(ApiKeys.DESCRIBE_CLIENT_QUOTAS, Rule.cluster(AclOperation.DESCRIBE_CONFIGS));
        rules.put(ApiKeys.ALTER_CLIENT_QUOTAS, Rule.cluster(AclOperation.ALTER_CONFIGS));
        rules.put(ApiKeys.JOIN_GROUP, GroupRules::member);
        rules.put(ApiKeys.SYNC_GROUP, GroupRules::member);
        rules.put(ApiKeys.HEARTBEAT, GroupRules::member);
        rules.put(ApiKeys.LEAVE_GROUP, GroupRules::member);
        rules.put(ApiKeys.CONSUMER_GROUP_HEARTBEAT, GroupRules::member);
        rules.put(ApiKeys.STREAMS_GROUP_HEARTBEAT, GroupRules::member);
        rules.put(ApiKeys.STREAMS_GROUP_DESCRIBE, GroupRules::streamsGroupDescribe);
        rules.put(ApiKeys.OFFSET_COMMIT, GroupRules::offsetCommit);
        rules.put(ApiKeys.OFFSET_FETCH, GroupRules::offsetFetch);
        rules.put(ApiKeys.OFFSET_DELETE, GroupRules::offsetDelete);
        rules.put(ApiKeys.DESCRIBE_GROUPS, GroupRules::describeGroups);
        rules.put(ApiKeys.CONSUMER_GROUP_DESCRIBE, GroupRules::consumerGroupDescribe);
        rules.put(ApiKeys.DELETE_GROUPS, GroupRules::deleteGroups);
        rules.put(ApiKeys.LIST_GROUPS, GroupRules::listGroups);
        rules.put(ApiKeys.SHARE_GROUP_HEARTBEAT, ShareRules::heartbeat);
        rules.put(ApiKeys.SHARE_GROUP_DESCRIBE, ShareRules::describe);
        rules.put(ApiKeys.SHARE_FETCH, ShareRules::fetch);
        rules.put(ApiKeys.SHARE_ACKNOWLEDGE, ShareRules::acknowledge);
        rules.put(ApiKeys.DESCRIBE_SHARE_GROUP_OFFSETS, ShareRules::describeOffsets);
        rules.put(ApiKeys.ALTER_SHARE_GROUP_OFFSETS, ShareRules::alterOffsets);
        rules.put(ApiKeys.DELETE_SHARE_GROUP_OFFSETS, ShareRules::deleteOffsets);
        // The share coordinator's inter-broker APIs: brokers only, as Kafka's KafkaApis checks them.
        rules.put(ApiKeys.INITIALIZE_SHARE_GROUP_STATE, Rule.cluster(AclOperation.CLUSTER_ACTION));
        rules.put(ApiKeys.READ_SHARE_GROUP_STATE, Rule.cluster(AclOperation.CLUSTER_ACTION));
        rules.put(ApiKeys.WRITE_SHARE_GROUP_STATE, Rule.cluster(AclOperation.CLUSTER_ACTION));
        rules.put(ApiKeys.DELETE_SHARE_GROUP_STATE, Rule.cluster(AclOperation.CLUSTER_ACTION));
        rules.put(ApiKeys.READ_SHARE_GROUP_STATE_SUMMARY, Rule.cluster(AclOperation.CLUSTER_ACTION));
        rules.put(ApiKeys.FIND_COORDINATOR, TransactionRules::findCoordinator);
        rules.put(ApiKeys.INIT_PRODUCER_ID, TransactionRules::initProducerId);
        rules.put(ApiKeys.ADD_PARTITIONS_TO_TXN, TransactionRules::addPartitionsToTxn);
        rules.put(ApiKeys.ADD_OFFSETS_TO_TXN, TransactionRules::addOffsetsToTxn);
        rules.put(ApiKeys.END_TXN, TransactionRules::endTxn);
        rules.put(ApiKeys.TXN_OFFSET_COMMIT, TransactionRules::txnOffsetCommit);
        rules.put(ApiKeys.DESCRIBE_TRANSACTIONS, TransactionRules::describeTransactions);
        rules.put(ApiKeys.LIST_TRANSACTIONS, TransactionRules::listTransactions);
        rules.put(ApiKeys.WRITE_TXN_MARKERS, Rule.cluster(AclOperation.CLUSTER_ACTION));
        rules.put(ApiKeys.UPDATE_FEATURES, Rule.cluster(AclOperation.ALTER)); // Kafka: ALTER on the cluster
        rules.put(ApiKeys.ELECT_LEADERS, Rule.cluster(AclOperation.ALTER)); // Kafka: ALTER on the cluster
        rules.put(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, Rule.cluster(AclOperation.ALTER)); // Kafka: ALTER on the cluster
        rules.put(ApiKeys.LIST_PARTITION_REASSIGNMENTS, Rule.cluster(AclOperation.DESCRIBE)); // Kafka: DESCRIBE on the cluster
        return rules;
    }
}
