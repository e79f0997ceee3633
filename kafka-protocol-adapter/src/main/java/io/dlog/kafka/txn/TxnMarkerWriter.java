package io.dlog.kafka.txn;

import io.dlog.kafka.common.LeaderEpochs;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.AppendBatch;
import io.dlog.log.PartitionLog;
import io.dlog.log.TopicPartition;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * WriteTxnMarkers on the partition leader: each marker becomes a control batch (Kafka's
 * EndTransactionMarker record) appended to the partition like any other batch, so replication needs
 * no separate path. The log engine refuses a marker from an older producer or coordinator epoch. The
 * transaction coordinator sends its markers through here even on one node; so does {@code
 * kafka-transactions abort}.
 *
 * <p>After a marker is written the partition's last stable offset may have moved, so waiting
 * read_committed fetches are woken; a marker on {@code __consumer_offsets} also settles the
 * transactional offsets the group coordinator holds for that producer.
 *
 * <p>Stateless apart from its collaborators; thread-safe; never blocks.
 */
public final class TxnMarkerWriter {

    /** Told of every marker written to a partition. */
    public interface MarkerListener {
        void onMarker(TopicPartition partition, long producerId, boolean commit);
    }

    private final TopicService topics;
    private final Clock clock;
    private final Consumer<TopicPartition> onWritten;
    private volatile MarkerListener listener = (tp, pid, commit) -> { };

    public TxnMarkerWriter(TopicService topics, Clock clock, Consumer<TopicPartition> onWritten) {
        this.topics = topics;
        this.clock = clock;
        this.onWritten = onWritten;
    }

    public void setListener(MarkerListener listener) {
        this.listener = listener;
    }

    /**
     * Writes every marker of the request; the markers reach the writer threads together (one hand-off per
     * writer, {@link AppendBatch}), which matters when the coordinator batched many transactions' markers.
     */
    public CompletableFuture<WriteTxnMarkersResponseData> write(WriteTxnMarkersRequestData request) {
        Map<Slot, CompletableFuture<Errors>> pending = new HashMap<>();
        AppendBatch appends = AppendBatch.create();
        for (WritableTxnMarker marker : request.markers()) {
            for (WritableTxnMarkerTopic topic : marker.topics()) {
                for (int index : topic.partitionIndexes()) {
                    TopicPartition tp = new TopicPartition(topic.name(), index);
                    pending.computeIfAbsent(new Slot(marker.producerId(), tp), slot -> writeOne(marker, tp, appends));
                }
            }
        }
        appends.submit();
        return CompletableFuture.allOf(pending.values().toArray(CompletableFuture[]::new))
                .thenApply(all -> answer(request, slot -> pending.get(slot).join()));
    }

    /** One partition of one producer's marker in a WriteTxnMarkers request. */
    record Slot(long producerId, TopicPartition partition) {
    }

    /** The response to {@code request}, in its shape, with each partition's outcome. */
    static WriteTxnMarkersResponseData answer(WriteTxnMarkersRequestData request, Function<Slot, Errors> outcome) {
        WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
        for (WritableTxnMarker marker : request.markers()) {
            WritableTxnMarkerResult result = new WritableTxnMarkerResult().setProducerId(marker.producerId());
            response.markers().add(result);
            for (WritableTxnMarkerTopic topic : marker.topics()) {
                WritableTxnMarkerTopicResult topicResult = new WritableTxnMarkerTopicResult().setName(topic.name());
                result.topics().add(topicResult);
                for (int p : topic.partitionIndexes()) {
                    Errors error = outcome.apply(new Slot(marker.producerId(), new TopicPartition(topic.name(), p)));
                    topicResult.partitions().add(new WritableTxnMarkerPartitionResult().setPartitionIndex(p)
                            .setErrorCode(error.code()));
                }
            }
        }
        return response;
    }

    private CompletableFuture<Errors> writeOne(WritableTxnMarker marker, TopicPartition tp, AppendBatch appends) {
        Optional<PartitionLog> found = topics.partition(tp.topic(), tp.partition());
        if (found.isEmpty()) {
            // NOT_LEADER_OR_FOLLOWER when another node leads it: the coordinator sends the marker there instead
            return CompletableFuture.completedFuture(topics.notServedError(tp.topic(), tp.partition()));
        }
        PartitionLog log = found.get();
        ControlRecordType type = marker.transactionResult() ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
        MemoryRecords records = MemoryRecords.withEndTransactionMarker(clock.millis(), marker.producerId(),
                marker.producerEpoch(), new EndTransactionMarker(type, marker.coordinatorEpoch()));
        return appends.append(log, records.buffer(), LeaderEpochs.current(log)).thenApply(result -> {
            if (!result.succeeded()) {
                return Errors.valueOf(result.error().name()); // the engine uses Kafka's error names
            }
            listener.onMarker(tp, marker.producerId(), marker.transactionResult());
            onWritten.accept(log.topicPartition());
            return Errors.NONE;
        });
    }
}
