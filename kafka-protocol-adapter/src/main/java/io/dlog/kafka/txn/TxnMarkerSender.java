package io.dlog.kafka.txn;

import io.dlog.kafka.interbroker.InterBrokerClient;
import io.dlog.kafka.topic.TopicService;
import io.dlog.kafka.txn.TxnMarkerWriter.Slot;
import io.dlog.log.TopicPartition;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's marker channel in a cluster: splits a WriteTxnMarkers request by partition leader
 * (from this node's metadata image) and sends each part to its leader over the Kafka protocol, as Kafka's
 * TransactionMarkerChannelManager does, in one request per leader shared with the markers of other
 * transactions ending at the same time ({@link TxnMarkerBatcher}). The part this node leads goes the same
 * way through the batcher but is handed to the local {@link TxnMarkerWriter} instead of looping back
 * through a socket: a round trip to itself cost a transactional producer more broker CPU than the
 * markers' writes (encode, send, decode, answer, on two more threads), and it lengthened each commit,
 * which a TV2 producer's next transaction waits out (CONCURRENT_TRANSACTIONS retries). The local write
 * starts on {@code executor}, never on the caller's thread, so its answer (and the coordinator's
 * reaction to it) comes asynchronously, as a remote one does, even when the writes run inline. Then puts the
 * answers back together in the request's shape. One attempt: a partition without a live leader answers LEADER_NOT_AVAILABLE, a
 * request that failed on the way answers the failure's error for each of its partitions, and the
 * coordinator sends the unwritten partitions again. A partition whose topic this node's image no longer
 * has needs no marker (Kafka drops it too) and answers NONE.
 *
 * <p>Stateless apart from its collaborators; thread-safe; never blocks.
 */
public final class TxnMarkerSender implements TransactionCoordinator.MarkerChannel {
    private static final Logger LOG = LoggerFactory.getLogger(TxnMarkerSender.class);

    private final TopicService topics;
    private final TxnMarkerBatcher batcher;

    /**
     * @param localNode this node's id: its part goes to {@code local}
     * @param local     this node's marker writer ({@link TxnMarkerWriter#write})
     * @param executor  where a local write starts (not the caller's thread); must not block on it
     */
    public TxnMarkerSender(TopicService topics, InterBrokerClient client, int localNode,
                           Function<WriteTxnMarkersRequestData, CompletableFuture<WriteTxnMarkersResponseData>> local,
                           Executor executor) {
        this.topics = topics;
        this.batcher = new TxnMarkerBatcher((node, request) -> node == localNode
                ? CompletableFuture.supplyAsync(() -> local.apply(request), executor).thenCompose(answer -> answer)
                : client.send(node, new WriteTxnMarkersRequest.Builder(request))
                .thenApply(response -> ((WriteTxnMarkersResponse) response).data()));
    }

    @Override
    public CompletableFuture<WriteTxnMarkersResponseData> send(WriteTxnMarkersRequestData request) {
        MetadataImage image = topics.image();
        Map<Slot, Errors> outcome = new HashMap<>();
        Map<Integer, WriteTxnMarkersRequestData> byLeader = new LinkedHashMap<>();
        for (WritableTxnMarker marker : request.markers()) {
            for (WritableTxnMarkerTopic topic : marker.topics()) {
                Optional<TopicImage> known = image.topic(topic.name());
                for (int p : topic.partitionIndexes()) {
                    Slot slot = new Slot(marker.producerId(), new TopicPartition(topic.name(), p));
                    if (known.isEmpty() || p < 0 || p >= known.get().partitions()) {
                        LOG.debug("No marker for {}: its topic is gone", slot.partition());
                        outcome.put(slot, Errors.NONE);
                        continue;
                    }
                    int leader = TopicService.leaderOf(image, known.get(), p);
                    if (leader < 0) {
                        outcome.put(slot, Errors.LEADER_NOT_AVAILABLE);
                        continue;
                    }
                    partitionsOf(byLeader.computeIfAbsent(leader, id -> new WriteTxnMarkersRequestData()), marker,
                            topic.name()).add(p);
                }
            }
        }
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        byLeader.forEach((leader, part) -> sent.add(batcher.send(leader, part).handle((response, failure) -> {
            synchronized (outcome) {
                record(outcome, part, failure == null ? response : null,
                        failure == null ? Errors.NONE : Errors.forException(unwrap(failure)));
            }
            return null;
        })));
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).thenApply(all -> {
            synchronized (outcome) {
                return TxnMarkerWriter.answer(request, slot -> outcome.getOrDefault(slot, Errors.UNKNOWN_SERVER_ERROR));
            }
        });
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
    }

    /** The partition list of {@code marker}'s copy for one leader, created on first use. */
    private static List<Integer> partitionsOf(WriteTxnMarkersRequestData part, WritableTxnMarker marker, String topic) {
        WritableTxnMarker copy = part.markers().stream().filter(m -> m.producerId() == marker.producerId()).findFirst()
                .orElseGet(() -> {
                    WritableTxnMarker m = new WritableTxnMarker().setProducerId(marker.producerId())
                            .setProducerEpoch(marker.producerEpoch()).setTransactionResult(marker.transactionResult())
                            .setCoordinatorEpoch(marker.coordinatorEpoch()).setTransactionVersion(marker.transactionVersion());
                    part.markers().add(m);
                    return m;
                });
        WritableTxnMarkerTopic t = copy.topics().stream().filter(x -> x.name().equals(topic)).findFirst().orElseGet(() -> {
            WritableTxnMarkerTopic x = new WritableTxnMarkerTopic().setName(topic);
            copy.topics().add(x);
            return x;
        });
        return t.partitionIndexes();
    }

    /** Records a leader's answer for its part, or {@code failed} for every partition of it when it did not answer. */
    private static void record(Map<Slot, Errors> outcome, WriteTxnMarkersRequestData part, WriteTxnMarkersResponseData answer,
                               Errors failed) {
        for (WritableTxnMarker marker : part.markers()) {
            for (WritableTxnMarkerTopic topic : marker.topics()) {
                for (int p : topic.partitionIndexes()) {
                    // a partition the leader left out of its answer was not written
                    outcome.put(new Slot(marker.producerId(), new TopicPartition(topic.name(), p)),
                            answer == null ? failed : Errors.UNKNOWN_SERVER_ERROR);
                }
            }
        }
        if (answer == null) {
            return;
        }
        // the answer may hold other transactions' results too (a shared request): only this part's slots count
        for (WritableTxnMarkerResult marker : answer.markers()) {
            for (WritableTxnMarkerTopicResult topic : marker.topics()) {
                for (WritableTxnMarkerPartitionResult p : topic.partitions()) {
                    Slot slot = new Slot(marker.producerId(), new TopicPartition(topic.name(), p.partitionIndex()));
                    if (outcome.containsKey(slot)) {
                        outcome.put(slot, Errors.forCode(p.errorCode()));
                    }
                }
            }
        }
    }
}
