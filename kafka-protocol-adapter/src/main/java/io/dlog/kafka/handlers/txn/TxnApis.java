package io.dlog.kafka.handlers.txn;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiRegistry;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.coordinator.InternalTopics;
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
 * Registers the transaction APIs. EndTxn and TxnOffsetCommit are served up to v5 (transaction version 2)
 * whatever level is finalized, as on Kafka: clients choose v5 only when ApiVersions finalizes
 * transaction.version 2, and a request's version decides its semantics.
 */
public final class TxnApis {
    private static final short FENCED_VERSION = 2;
    private static final short END_TXN_V2 = 5;

    private TxnApis() {
    }

    public static void register(ApiRegistry registry, BrokerContext context, TransactionCoordinator coordinator,
                                TxnMarkerWriter markers) {
        TxnQueries queries = new TxnQueries(coordinator);
        registry.register(ApiKeys.ADD_PARTITIONS_TO_TXN, 0, 4, new AddPartitionsToTxnHandler(context, coordinator))
                .register(ApiKeys.ADD_OFFSETS_TO_TXN, 0, 4, (RequestContext c, AddOffsetsToTxnRequestData r) ->
                        addOffsets(context, coordinator, c.apiVersion(), r))
                .register(ApiKeys.END_TXN, 0, END_TXN_V2, (RequestContext c, EndTxnRequestData r) ->
                        endTxn(coordinator, c.apiVersion(), r))
                .register(ApiKeys.WRITE_TXN_MARKERS, 1, 2, (RequestContext c, WriteTxnMarkersRequestData r) -> markers.write(r))
                .register(ApiKeys.DESCRIBE_TRANSACTIONS, 0, 0, (RequestContext c, DescribeTransactionsRequestData r) ->
                        CompletableFuture.completedFuture(queries.describe(r)))
                .register(ApiKeys.LIST_TRANSACTIONS, 0, 2, (RequestContext c, ListTransactionsRequestData r) ->
                        CompletableFuture.completedFuture(queries.list(c.apiVersion(), r)));
    }

    /** EndTxn v5 is transaction version 2: the answer carries the bumped epoch (or a new producer id). */
    private static CompletableFuture<EndTxnResponseData> endTxn(TransactionCoordinator coordinator, short version,
                                                               EndTxnRequestData r) {
        if (version >= END_TXN_V2) {
            return coordinator.endTxnV2(r.transactionalId(), r.producerId(), r.producerEpoch(), r.committed())
                    .thenApply(result -> new EndTxnResponseData().setErrorCode(result.error().code())
                            .setProducerId(result.producerId()).setProducerEpoch(result.producerEpoch()));
        }
        return coordinator.endTxn(r.transactionalId(), r.producerId(), r.producerEpoch(), r.committed(),
                version >= FENCED_VERSION).thenApply(error -> new EndTxnResponseData().setErrorCode(error.code()));
    }

    /** The group's {@code __consumer_offsets} partition, by Kafka's rule {@code Utils.abs(hashCode) % partitions}. */
    public static TopicPartition offsetsPartition(BrokerContext context, String groupId) {
        int partitions = context.topics().image().topic(InternalTopics.CONSUMER_OFFSETS).map(t -> t.partitions()).orElse(0);
        return partitions == 0 ? null
                : new TopicPartition(InternalTopics.CONSUMER_OFFSETS, (groupId.hashCode() & 0x7fffffff) % partitions);
    }

    /** The group's {@code __consumer_offsets} partition joins the transaction (KIP-98). */
    private static CompletableFuture<AddOffsetsToTxnResponseData> addOffsets(BrokerContext context,
                                                                            TransactionCoordinator coordinator,
                                                                            short version, AddOffsetsToTxnRequestData r) {
        if (r.groupId() == null || r.groupId().isEmpty()) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData().setErrorCode(Errors.INVALID_GROUP_ID.code()));
        }
        TopicPartition tp = offsetsPartition(context, r.groupId());
        if (tp == null) {
            return CompletableFuture.completedFuture(
                    new AddOffsetsToTxnResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
        }
        return coordinator.addPartitions(r.transactionalId(), r.producerId(), r.producerEpoch(), List.of(tp),
                version >= FENCED_VERSION).thenApply(error -> new AddOffsetsToTxnResponseData().setErrorCode(error.code()));
    }
}
