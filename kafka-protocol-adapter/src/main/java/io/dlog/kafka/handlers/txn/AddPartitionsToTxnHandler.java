package io.dlog.kafka.handlers.txn;

import io.dlog.kafka.BrokerContext;
import io.dlog.kafka.api.ApiHandler;
import io.dlog.kafka.api.RequestContext;
import io.dlog.kafka.txn.TransactionCoordinator;
import io.dlog.log.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResultCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection;
import org.apache.kafka.common.protocol.Errors;

/**
 * AddPartitionsToTxn v0-4. v0-3 (clients): one transaction; partitions of unknown topics get
 * UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED, as Kafka. v4 (brokers, KIP-890
 * part 1): a batch of transactions, each either added or, with verifyOnly, checked: a partition not in
 * the producer's open transaction gets INVALID_TXN_STATE.
 */
public final class AddPartitionsToTxnHandler implements ApiHandler<AddPartitionsToTxnRequestData> {
    private static final short BATCHED_VERSION = 4;

    private final BrokerContext context;
    private final TransactionCoordinator coordinator;

    public AddPartitionsToTxnHandler(BrokerContext context, TransactionCoordinator coordinator) {
        this.context = context;
        this.coordinator = coordinator;
    }

    @Override
    public CompletionStage<AddPartitionsToTxnResponseData> handle(RequestContext request, AddPartitionsToTxnRequestData data) {
        if (request.apiVersion() < BATCHED_VERSION) {
            return handleOne(data.v3AndBelowTransactionalId(), data.v3AndBelowProducerId(), data.v3AndBelowProducerEpoch(),
                    false, data.v3AndBelowTopics(), request.apiVersion() >= 2)
                    .thenApply(results -> new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(results));
        }
        AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData().setErrorCode(Errors.NONE.code());
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (AddPartitionsToTxnTransaction txn : data.transactions()) {
            AddPartitionsToTxnResult result = new AddPartitionsToTxnResult().setTransactionalId(txn.transactionalId());
            response.resultsByTransaction().add(result);
            all.add(handleOne(txn.transactionalId(), txn.producerId(), txn.producerEpoch(), txn.verifyOnly(), txn.topics(), true)
                    .thenAccept(result::setTopicResults));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(x -> response);
    }

    private CompletableFuture<AddPartitionsToTxnTopicResultCollection> handleOne(String id, long producerId, short epoch,
                                                                                 boolean verifyOnly,
                                                                                 AddPartitionsToTxnTopicCollection topics,
                                                                                 boolean knowsFenced) {
        List<TopicPartition> partitions = new ArrayList<>();
        boolean anyUnknown = false;
        for (AddPartitionsToTxnTopic topic : topics) {
            int count = context.topics().image().topic(topic.name()).map(t -> t.partitions()).orElse(0);
            for (int p : topic.partitions()) {
                partitions.add(new TopicPartition(topic.name(), p));
                anyUnknown |= p < 0 || p >= count;
            }
        }
        if (id == null || id.isEmpty()) {
            return CompletableFuture.completedFuture(uniform(topics, Errors.INVALID_REQUEST));
        }
        if (anyUnknown) {
            AddPartitionsToTxnTopicResultCollection results = new AddPartitionsToTxnTopicResultCollection();
            for (AddPartitionsToTxnTopic topic : topics) {
                int count = context.topics().image().topic(topic.name()).map(t -> t.partitions()).orElse(0);
                AddPartitionsToTxnTopicResult result = topicResult(results, topic.name());
                for (int p : topic.partitions()) {
                    add(result, p, p < 0 || p >= count ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.OPERATION_NOT_ATTEMPTED);
                }
            }
            return CompletableFuture.completedFuture(results);
        }
        if (verifyOnly) {
            AddPartitionsToTxnTopicResultCollection results = new AddPartitionsToTxnTopicResultCollection();
            for (AddPartitionsToTxnTopic topic : topics) {
                AddPartitionsToTxnTopicResult result = topicResult(results, topic.name());
                for (int p : topic.partitions()) {
                    add(result, p, coordinator.verify(id, producerId, epoch, new TopicPartition(topic.name(), p)));
                }
            }
            return CompletableFuture.completedFuture(results);
        }
        return coordinator.addPartitions(id, producerId, epoch, partitions, knowsFenced)
                .thenApply(error -> uniform(topics, error));
    }

    private static AddPartitionsToTxnTopicResultCollection uniform(AddPartitionsToTxnTopicCollection topics, Errors error) {
        AddPartitionsToTxnTopicResultCollection results = new AddPartitionsToTxnTopicResultCollection();
        for (AddPartitionsToTxnTopic topic : topics) {
            AddPartitionsToTxnTopicResult result = topicResult(results, topic.name());
            topic.partitions().forEach(p -> add(result, p, error));
        }
        return results;
    }

    private static AddPartitionsToTxnTopicResult topicResult(AddPartitionsToTxnTopicResultCollection results, String name) {
        AddPartitionsToTxnTopicResult result = results.find(name);
        if (result == null) {
            result = new AddPartitionsToTxnTopicResult().setName(name)
                    .setResultsByPartition(new AddPartitionsToTxnPartitionResultCollection());
            results.add(result);
        }
        return result;
    }

    private static void add(AddPartitionsToTxnTopicResult result, int partition, Errors error) {
        if (result.resultsByPartition().find(partition) == null) {
            result.resultsByPartition().add(new AddPartitionsToTxnPartitionResult().setPartitionIndex(partition)
                    .setPartitionErrorCode(error.code()));
        }
    }
}
