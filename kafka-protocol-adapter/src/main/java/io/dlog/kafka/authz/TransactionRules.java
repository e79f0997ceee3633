package io.dlog.kafka.authz;

import io.dlog.kafka.api.ApiHandler;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Producers and transactions, as Kafka checks them: WRITE on the transactional id for every
 * transactional request (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), WRITE on the topics added, READ on the
 * group whose offsets join the transaction, IDEMPOTENT_WRITE on the cluster (or WRITE on some topic)
 * for an idempotent producer id, DESCRIBE on the group or transactional id to find its coordinator.
 * Stateless.
 */
final class TransactionRules {
    private TransactionRules() {
    }

    static CompletionStage<? extends ApiMessage> initProducerId(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        InitProducerIdRequestData data = (InitProducerIdRequestData) message;
        if (data.transactionalId() != null) {
            return check.transactionalId(AclOperation.WRITE, data.transactionalId()) ? next.handle(check.request(), data)
                    : Rule.refuse(check, data, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        boolean idempotent = check.cluster(AclOperation.IDEMPOTENT_WRITE) || check.anyOf(AclOperation.WRITE, ResourceType.TOPIC);
        return idempotent ? next.handle(check.request(), data) : Rule.refuse(check, data, Errors.CLUSTER_AUTHORIZATION_FAILED);
    }

    static CompletionStage<? extends ApiMessage> addPartitionsToTxn(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        AddPartitionsToTxnRequestData data = (AddPartitionsToTxnRequestData) message;
        if (check.request().apiVersion() >= 4) {
            // Version 4 comes from brokers verifying transactions (KIP-890).
            return Rule.cluster(AclOperation.CLUSTER_ACTION).apply(check, data, next);
        }
        if (!check.transactionalId(AclOperation.WRITE, data.v3AndBelowTransactionalId())) {
            return Rule.refuse(check, data, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        boolean topicsAllowed = data.v3AndBelowTopics().stream().allMatch(t -> check.topic(AclOperation.WRITE, t.name()));
        return topicsAllowed ? next.handle(check.request(), data) : Rule.refuse(check, data, Errors.TOPIC_AUTHORIZATION_FAILED);
    }

    static CompletionStage<? extends ApiMessage> addOffsetsToTxn(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        AddOffsetsToTxnRequestData data = (AddOffsetsToTxnRequestData) message;
        if (!check.transactionalId(AclOperation.WRITE, data.transactionalId())) {
            return Rule.refuse(check, data, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        return check.group(AclOperation.READ, data.groupId()) ? next.handle(check.request(), data)
                : Rule.refuse(check, data, Errors.GROUP_AUTHORIZATION_FAILED);
    }

    static CompletionStage<? extends ApiMessage> endTxn(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        EndTxnRequestData data = (EndTxnRequestData) message;
        return check.transactionalId(AclOperation.WRITE, data.transactionalId()) ? next.handle(check.request(), data)
                : Rule.refuse(check, data, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    }

    static CompletionStage<? extends ApiMessage> txnOffsetCommit(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        TxnOffsetCommitRequestData data = (TxnOffsetCommitRequestData) message;
        if (!check.transactionalId(AclOperation.WRITE, data.transactionalId())) {
            return Rule.refuse(check, data, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        }
        if (!check.group(AclOperation.READ, data.groupId())) {
            return Rule.refuse(check, data, Errors.GROUP_AUTHORIZATION_FAILED);
        }
        boolean topicsAllowed = data.topics().stream().allMatch(t -> check.topic(AclOperation.READ, t.name()));
        return topicsAllowed ? next.handle(check.request(), data) : Rule.refuse(check, data, Errors.TOPIC_AUTHORIZATION_FAILED);
    }

    static CompletionStage<? extends ApiMessage> describeTransactions(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        DescribeTransactionsRequestData data = (DescribeTransactionsRequestData) message;
        List<String> denied = data.transactionalIds().stream()
                .filter(id -> !check.transactionalId(AclOperation.DESCRIBE, id)).toList();
        data.transactionalIds().removeAll(denied);
        return AdminRules.served(check, next, data, data.transactionalIds().isEmpty(), new DescribeTransactionsResponseData())
                .thenApply(response -> {
                    DescribeTransactionsResponseData described = (DescribeTransactionsResponseData) response;
                    denied.forEach(id -> described.transactionStates().add(new DescribeTransactionsResponseData.TransactionState()
                            .setTransactionalId(id).setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())));
                    return described;
                });
    }

    static CompletionStage<? extends ApiMessage> listTransactions(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        return next.handle(check.request(), message).thenApply(response -> {
            ListTransactionsResponseData listed = (ListTransactionsResponseData) response;
            listed.transactionStates().removeIf(t -> !check.transactionalId(AclOperation.DESCRIBE, t.transactionalId()));
            return listed;
        });
    }

    static CompletionStage<? extends ApiMessage> findCoordinator(Check check, ApiMessage message, ApiHandler<ApiMessage> next) {
        FindCoordinatorRequestData data = (FindCoordinatorRequestData) message;
        if (check.request().apiVersion() < 4) {
            Errors denied = deniedError(check, data.keyType(), data.key());
            return denied == null ? next.handle(check.request(), data) : Rule.refuse(check, data, denied);
        }
        List<String> deniedKeys = data.coordinatorKeys().stream().filter(k -> deniedError(check, data.keyType(), k) != null).toList();
        data.coordinatorKeys().removeAll(deniedKeys);
        return AdminRules.served(check, next, data, data.coordinatorKeys().isEmpty(), new FindCoordinatorResponseData())
                .thenApply(response -> {
                    FindCoordinatorResponseData found = (FindCoordinatorResponseData) response;
                    for (String key : deniedKeys) {
                        Errors error = deniedError(check, data.keyType(), key);
                        found.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey(key)
                                .setErrorCode(error.code()).setErrorMessage(error.message()).setNodeId(-1).setHost("")
                                .setPort(-1));
                    }
                    return found;
                });
    }

    /** DESCRIBE on the group or transactional id whose coordinator is asked for; null when allowed. */
    private static Errors deniedError(Check check, byte keyType, String key) {
        if (keyType == CoordinatorType.TRANSACTION.id()) {
            return check.transactionalId(AclOperation.DESCRIBE, key) ? null : Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
        }
        if (keyType == CoordinatorType.GROUP.id()) {
            return check.group(AclOperation.DESCRIBE, key) ? null : Errors.GROUP_AUTHORIZATION_FAILED;
        }
        return null; // other key types are answered by the handler (INVALID_REQUEST)
    }
}
