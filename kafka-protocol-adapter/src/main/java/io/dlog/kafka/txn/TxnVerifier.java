package io.dlog.kafka.txn;

import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.interbroker.InterBrokerClient;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition leader's check of a transactional write with the producer's transaction coordinator
 * (KIP-890): verify that the partitions are in the producer's open transaction (part 1, Produce below
 * v12 and transaction version 1), or add them to it (part 2, Produce v12+ and TxnOffsetCommit v5 under
 * transaction version 2). When this node leads the id's {@code __transaction_state} partition the local
 * coordinator answers (its COORDINATOR_LOAD_IN_PROGRESS or NOT_COORDINATOR included); otherwise the
 * coordinator node gets AddPartitionsToTxn v4+ (the brokers' batched version, {@code verifyOnly} for part
 * 1) through the inter-broker client, as Kafka's AddPartitionsToTxnManager sends it.
 *
 * <p>Answers per partition only the failures: an empty map means every partition may be written. The
 * errors are the coordinator's, mapped as Kafka maps them for the producer (PRODUCER_FENCED becomes
 * INVALID_PRODUCER_EPOCH); a coordinator that cannot be reached gives NETWORK_EXCEPTION, none known
 * COORDINATOR_NOT_AVAILABLE. Thread-safe; never blocks.
 */
public final class TxnVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(TxnVerifier.class);

    private final TopicService topics;
    private final TransactionCoordinator coordinator;
    private final InterBrokerClient client;

    public TxnVerifier(TopicService topics, TransactionCoordinator coordinator, InterBrokerClient client) {
        this.topics = topics;
        this.coordinator = coordinator;
        this.client = client;
    }

    /**
     * @param add true to add the partitions to the transaction (transaction version 2), false to verify only
     */
    public CompletableFuture<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId, short epoch,
                                                                 Collection<TopicPartition> partitions, boolean add) {
        int node = coordinatorNode(transactionalId);
        if (node == topics.nodeId() || coordinator.coordinates(transactionalId)) {
            return add ? addLocally(transactionalId, producerId, epoch, partitions)
                    : CompletableFuture.completedFuture(verifyLocally(transactionalId, producerId, epoch, partitions));
        }
        if (node < 0) {
            return CompletableFuture.completedFuture(uniform(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        AddPartitionsToTxnTopicCollection byTopic = new AddPartitionsToTxnTopicCollection();
        for (TopicPartition tp : partitions) {
            AddPartitionsToTxnTopic topic = byTopic.find(tp.topic());
            if (topic == null) {
                topic = new AddPartitionsToTxnTopic().setName(tp.topic());
                byTopic.add(topic);
            }
            topic.partitions().add(tp.partition());
        }
        AddPartitionsToTxnTransactionCollection transactions = new AddPartitionsToTxnTransactionCollection();
        transactions.add(new AddPartitionsToTxnTransaction().setTransactionalId(transactionalId).setProducerId(producerId)
                .setProducerEpoch(epoch).setVerifyOnly(!add).setTopics(byTopic));
        return client.send(node, AddPartitionsToTxnRequest.Builder.forBroker(transactions)).handle((response, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
                if (cause instanceof UnsupportedVersionException) {
                    // Kafka too writes unverified when the coordinator cannot verify (an older node)
                    LOG.warn("Node {} cannot verify transactions (AddPartitionsToTxn v4); writing unverified", node);
                    return Map.of();
                }
                LOG.debug("Verifying transactional id {} with node {} failed", transactionalId, node, cause);
                return uniform(partitions, Errors.NETWORK_EXCEPTION);
            }
            return remoteAnswer(((AddPartitionsToTxnResponse) response).data(), partitions);
        });
    }

    /** The leader of the id's {@code __transaction_state} partition (Kafka's partitionFor), or -1. */
    int coordinatorNode(String transactionalId) {
        MetadataImage image = topics.image();
        Optional<TopicImage> state = image.topic(InternalTopics.TRANSACTION_STATE);
        if (state.isEmpty() || state.get().partitions() == 0) {
            return -1;
        }
        int partition = InternalTopics.transactionPartition(transactionalId, state.get().partitions());
        return TopicService.leaderOf(image, state.get(), partition);
    }

    private Map<TopicPartition, Errors> verifyLocally(String id, long producerId, short epoch,
                                                      Collection<TopicPartition> partitions) {
        Map<TopicPartition, Errors> failed = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Errors error = coordinator.verify(id, producerId, epoch, tp);
            if (error != Errors.NONE) {
                failed.put(tp, producerError(error));
            }
        }
        return failed;
    }

    private CompletableFuture<Map<TopicPartition, Errors>> addLocally(String id, long producerId, short epoch,
                                                                      Collection<TopicPartition> partitions) {
        return coordinator.addPartitions(id, producerId, epoch, List.copyOf(partitions), true)
                .thenApply(error -> error == Errors.NONE ? Map.of() : uniform(partitions, producerError(error)));
    }

    private static Map<TopicPartition, Errors> remoteAnswer(AddPartitionsToTxnResponseData data,
                                                            Collection<TopicPartition> partitions) {
        if (data.errorCode() != Errors.NONE.code()) {
            Errors error = Errors.forCode(data.errorCode());
            // Kafka: a client must not see the brokers' CLUSTER_AUTHORIZATION_FAILED
            return uniform(partitions, error == Errors.CLUSTER_AUTHORIZATION_FAILED ? Errors.INVALID_TXN_STATE : error);
        }
        Map<TopicPartition, Errors> failed = new HashMap<>();
        for (var txn : data.resultsByTransaction()) {
            for (var topic : txn.topicResults()) {
                for (var p : topic.resultsByPartition()) {
                    if (p.partitionErrorCode() != Errors.NONE.code()) {
                        failed.put(new TopicPartition(topic.name(), p.partitionIndex()),
                                producerError(Errors.forCode(p.partitionErrorCode())));
                    }
                }
            }
        }
        for (TopicPartition tp : partitions) {
            boolean answered = data.resultsByTransaction().stream().anyMatch(t -> t.topicResults().find(tp.topic()) != null
                    && t.topicResults().find(tp.topic()).resultsByPartition().find(tp.partition()) != null);
            if (!answered) {
                failed.put(tp, Errors.INVALID_TXN_STATE); // not verified: never write it
            }
        }
        return failed;
    }

    /** Producers expect INVALID_PRODUCER_EPOCH where the coordinator says PRODUCER_FENCED (Kafka's mapping). */
    private static Errors producerError(Errors error) {
        return error == Errors.PRODUCER_FENCED ? Errors.INVALID_PRODUCER_EPOCH : error;
    }

    private static Map<TopicPartition, Errors> uniform(Collection<TopicPartition> partitions, Errors error) {
        Map<TopicPartition, Errors> all = new HashMap<>();
        partitions.forEach(tp -> all.put(tp, error));
        return all;
    }
}
