package io.dlog.kafka.handlers.txn;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.handlers.InternalTopics;
import io.dlog.kafka.txn.TransactionCoordinator;
import io.dlog.kafka.txn.TxnMarkerWriter;
import io.dlog.kafka.txn.TxnQueries;
import io.dlog.log.TopicPartition;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Registers the transaction APIs, in the versions whose semantics DLog implements: transaction
 * version 1 (EndTxn, AddPartitionsToTxn and TxnOffsetCommit below their TV2-only versions, so clients
 * keep to TV1 as they do against a Kafka cluster without transaction.version 2).
 */
public final class TxnApis {
    private static final short FENCED_VERSION = 2;

    private TxnApis() {
    }

    public static void register(ApiRegistry registry, BrokerContext context, TransactionCoordinator coordinator,
                                TxnMarkerWriter markers) {
        TxnQueries queries = new TxnQueries(coordinator);
        registry.register(ApiKeys.ADD_PARTITIONS_TO_TXN, 0, 4, new AddPartitionsToTxnHandler(context, coordinator))
                .register(ApiKeys.ADD_OFFSETS_TO_TXN, 0, 4, (RequestContext c, AddOffsetsToTxnRequestData r) ->
                        addOffsets(context, coordinator, c.apiVersion(), r))
                .register(ApiKeys.END_TXN, 0, 4, (RequestContext c, EndTxnRequestData r) ->
                        coordinator.endTxn(r.transactionalId(), r.producerId(), r.producerEpoch(), r.committed(),
                                c.apiVersion() >= FENCED_VERSION)
                                .thenApply(error -> new EndTxnResponseData().setErrorCode(error.code())))
                .register(ApiKeys.WRITE_TXN_MARKERS, 1, 2, (RequestContext c, WriteTxnMarkersRequestData r) -> markers.write(r))
                .register(ApiKeys.DESCRIBE_TRANSACTIONS, 0, 0, (RequestContext c, DescribeTransactionsRequestData r) ->
                        CompletableFuture.completedFuture(queries.describe(r)))
                .register(ApiKeys.LIST_TRANSACTIONS, 0, 2, (RequestContext c, ListTransactionsRequestData r) ->
                        CompletableFuture.completedFuture(queries.list(c.apiVersion(), r)));
    }

    /** The group's {@code __consumer_offsets} partition joins the transaction (KIP-98). */
    private static CompletableFuture<AddOffsetsToTxnResponseData> addOffsets(BrokerContext context,
                                                                            TransactionCoordinator coordinator,
                                                                            short version, AddOffsetsToTxnRequestData r) {
        int partitions = context.topics().image().topic(InternalTopics.CONSUMER_OFFSETS).map(t -> t.partitions()).orElse(0);
        if (r.groupId() == null || r.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData().setErrorCode(Errors.INVALID_GROUP_ID.code()));
        }
        if (partitions == 0) {
            return CompletableFuture.completedFuture(
                    new AddOffsetsToTxnResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
        }
        // Kafka's Utils.abs(groupId.hashCode()) % partitions, the group coordinator's own rule
        TopicPartition tp = new TopicPartition(InternalTopics.CONSUMER_OFFSETS, (r.groupId().hashCode() & 0x7fffffff) % partitions);
        return coordinator.addPartitions(r.transactionalId(), r.producerId(), r.producerEpoch(), List.of(tp),
                version >= FENCED_VERSION).thenApply(error -> new AddOffsetsToTxnResponseData().setErrorCode(error.code()));
    }
}
