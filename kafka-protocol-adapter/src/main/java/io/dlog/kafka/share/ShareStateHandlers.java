package io.dlog.kafka.share;

import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteShareGroupStateRequestData;
import org.apache.kafka.common.message.DeleteShareGroupStateResponseData;
import org.apache.kafka.common.message.InitializeShareGroupStateRequestData;
import org.apache.kafka.common.message.InitializeShareGroupStateResponseData;
import org.apache.kafka.common.message.ReadShareGroupStateRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateResponseData;
import org.apache.kafka.common.message.ReadShareGroupStateSummaryRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateSummaryResponseData;
import org.apache.kafka.common.message.WriteShareGroupStateRequestData;
import org.apache.kafka.common.message.WriteShareGroupStateResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The share coordinator's inter-broker APIs (KIP-932), as Kafka 4.x's brokers serve them to share-partition
 * leaders and group coordinators: ReadShareGroupState, WriteShareGroupState, InitializeShareGroupState,
 * DeleteShareGroupState and ReadShareGroupStateSummary, each over any number of share-partitions of one group,
 * answered per partition from the {@link ShareStateStore} of this node (NOT_COORDINATOR for a share-partition
 * whose {@code __share_group_state} partition another node leads, COORDINATOR_LOAD_IN_PROGRESS while it loads,
 * the fencing errors of {@link ShareStateStore#read(SharePartitionKey, int)} and
 * {@link ShareStateStore#write}). A topic id or partition the metadata does not know is
 * UNKNOWN_TOPIC_OR_PARTITION, a missing group id INVALID_REQUEST, as Kafka's ShareCoordinatorService.
 * CLUSTER_ACTION on the cluster is checked by {@code authz} in front of these handlers.
 *
 * <p>Thread-safety: stateless; runs on event loops; writes complete from the log's writer.
 */
final class ShareStateHandlers {
    private final TopicService topics;
    private final ShareStateStore store;

    ShareStateHandlers(TopicService topics, ShareStateStore store) {
        this.topics = topics;
        this.store = store;
    }

    /** Why a share-partition of the request cannot be served, before the store is asked; NONE when it can. */
    private Errors keyError(String groupId, Uuid topicId, int partition) {
        if (groupId == null || groupId.isEmpty() || topicId == null || Uuid.ZERO_UUID.equals(topicId) || partition < 0) {
            return Errors.INVALID_REQUEST;
        }
        Optional<TopicImage> topic = topics.image().topic(Uuids.fromKafka(topicId));
        return topic.isPresent() && partition < topic.get().partitions() ? Errors.NONE : Errors.UNKNOWN_TOPIC_OR_PARTITION;
    }

    private static SharePartitionKey key(String groupId, Uuid topicId, int partition) {
        return new SharePartitionKey(groupId, Uuids.fromKafka(topicId), partition);
    }

    /** The error a failed store write completes with. */
    static Errors errorOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        Errors e = Errors.forException(cause);
        // A failed append (the log went offline, the leadership moved under it): the writer retries elsewhere.
        return e == Errors.UNKNOWN_SERVER_ERROR ? Errors.COORDINATOR_NOT_AVAILABLE : e;
    }

    /** Completes once {@code operation} has, after handing its outcome to {@code answer}. */
    private static CompletableFuture<Void> settle(CompletableFuture<Void> operation, Consumer<Errors> answer) {
        return operation.handle((ok, failure) -> {
            answer.accept(failure == null ? Errors.NONE : errorOf(failure));
            return null;
        });
    }

    private static String messageOf(Errors error) {
        return error == Errors.NONE ? null : error.message();
    }

    // ------------------------------------------------------------------ ReadShareGroupState (84)

    ReadShareGroupStateResponseData read(ReadShareGroupStateRequestData request) {
        ReadShareGroupStateResponseData response = new ReadShareGroupStateResponseData();
        for (ReadShareGroupStateRequestData.ReadStateData t : request.topics()) {
            var out = new ReadShareGroupStateResponseData.ReadStateResult().setTopicId(t.topicId());
            for (ReadShareGroupStateRequestData.PartitionData p : t.partitions()) {
                out.partitions().add(readPartition(request.groupId(), t.topicId(), p.partition(), p.leaderEpoch()));
            }
            response.results().add(out);
        }
        return response;
    }

    private ReadShareGroupStateResponseData.PartitionResult readPartition(String groupId, Uuid topicId, int partition,
                                                                         int leaderEpoch) {
        var out = new ReadShareGroupStateResponseData.PartitionResult().setPartition(partition).setStateEpoch(0)
                .setStartOffset(-1);
        Errors error = keyError(groupId, topicId, partition);
        ShareStateStore.Read read = error == Errors.NONE ? store.read(key(groupId, topicId, partition), leaderEpoch)
                : new ShareStateStore.Read(error, null);
        if (read.error() != Errors.NONE) {
            return out.setErrorCode(read.error().code()).setErrorMessage(messageOf(read.error()));
        }
        if (read.state() == null) {
            return out; // never initialized: start offset -1 and state epoch 0, as Kafka answers
        }
        out.setStateEpoch(read.state().stateEpoch()).setStartOffset(read.state().startOffset());
        for (SharePartition.StateBatch b : read.state().batches()) {
            out.stateBatches().add(new ReadShareGroupStateResponseData.StateBatch().setFirstOffset(b.firstOffset())
                    .setLastOffset(b.lastOffset()).setDeliveryState(b.deliveryState()).setDeliveryCount(b.deliveryCount()));
        }
        return out;
    }

    // ------------------------------------------------------------------ WriteShareGroupState (85)

    CompletableFuture<WriteShareGroupStateResponseData> write(WriteShareGroupStateRequestData request) {
        WriteShareGroupStateResponseData response = new WriteShareGroupStateResponseData();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (WriteShareGroupStateRequestData.WriteStateData t : request.topics()) {
            var out = new WriteShareGroupStateResponseData.WriteStateResult().setTopicId(t.topicId());
            for (WriteShareGroupStateRequestData.PartitionData p : t.partitions()) {
                var part = new WriteShareGroupStateResponseData.PartitionResult().setPartition(p.partition());
                out.partitions().add(part);
                Errors error = keyError(request.groupId(), t.topicId(), p.partition());
                CompletableFuture<Void> write = error != Errors.NONE ? CompletableFuture.failedFuture(error.exception())
                        : store.write(key(request.groupId(), t.topicId(), p.partition()), p.stateEpoch(), p.leaderEpoch(),
                        p.startOffset(), batches(p.stateBatches()));
                writes.add(settle(write, e -> part.setErrorCode(e.code()).setErrorMessage(messageOf(e))));
            }
            response.results().add(out);
        }
        return CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> response);
    }

    private static List<SharePartition.StateBatch> batches(List<WriteShareGroupStateRequestData.StateBatch> batches) {
        List<SharePartition.StateBatch> out = new ArrayList<>(batches.size());
        for (WriteShareGroupStateRequestData.StateBatch b : batches) {
            out.add(new SharePartition.StateBatch(b.firstOffset(), b.lastOffset(), b.deliveryState(), b.deliveryCount()));
        }
        return out;
    }

    // ------------------------------------------------------------------ InitializeShareGroupState (83)

    CompletableFuture<InitializeShareGroupStateResponseData> initialize(InitializeShareGroupStateRequestData request) {
        InitializeShareGroupStateResponseData response = new InitializeShareGroupStateResponseData();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (InitializeShareGroupStateRequestData.InitializeStateData t : request.topics()) {
            var out = new InitializeShareGroupStateResponseData.InitializeStateResult().setTopicId(t.topicId());
            for (InitializeShareGroupStateRequestData.PartitionData p : t.partitions()) {
                var part = new InitializeShareGroupStateResponseData.PartitionResult().setPartition(p.partition());
                out.partitions().add(part);
                Errors error = keyError(request.groupId(), t.topicId(), p.partition());
                CompletableFuture<Void> write = error != Errors.NONE ? CompletableFuture.failedFuture(error.exception())
                        : store.initialize(key(request.groupId(), t.topicId(), p.partition()), p.stateEpoch(), p.startOffset());
                writes.add(settle(write, e -> part.setErrorCode(e.code()).setErrorMessage(messageOf(e))));
            }
            response.results().add(out);
        }
        return CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> response);
    }

    // ------------------------------------------------------------------ DeleteShareGroupState (86)

    CompletableFuture<DeleteShareGroupStateResponseData> delete(DeleteShareGroupStateRequestData request) {
        DeleteShareGroupStateResponseData response = new DeleteShareGroupStateResponseData();
        List<CompletableFuture<Void>> deletes = new ArrayList<>();
        for (DeleteShareGroupStateRequestData.DeleteStateData t : request.topics()) {
            var out = new DeleteShareGroupStateResponseData.DeleteStateResult().setTopicId(t.topicId());
            for (DeleteShareGroupStateRequestData.PartitionData p : t.partitions()) {
                var part = new DeleteShareGroupStateResponseData.PartitionResult().setPartition(p.partition());
                out.partitions().add(part);
                Errors error = keyError(request.groupId(), t.topicId(), p.partition());
                CompletableFuture<Void> delete = error != Errors.NONE ? CompletableFuture.failedFuture(error.exception())
                        : store.delete(Set.of(key(request.groupId(), t.topicId(), p.partition())));
                deletes.add(settle(delete, e -> part.setErrorCode(e.code()).setErrorMessage(messageOf(e))));
            }
            response.results().add(out);
        }
        return CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> response);
    }

    // ------------------------------------------------------------------ ReadShareGroupStateSummary (87)

    /**
     * The start offset, epochs and (v1, KIP-1226) the count of offsets from the start offset whose delivery is
     * complete. A summary is for the admin paths: it records no leader epoch and is never fenced.
     */
    ReadShareGroupStateSummaryResponseData summary(ReadShareGroupStateSummaryRequestData request) {
        ReadShareGroupStateSummaryResponseData response = new ReadShareGroupStateSummaryResponseData();
        for (ReadShareGroupStateSummaryRequestData.ReadStateSummaryData t : request.topics()) {
            var out = new ReadShareGroupStateSummaryResponseData.ReadStateSummaryResult().setTopicId(t.topicId());
            for (ReadShareGroupStateSummaryRequestData.PartitionData p : t.partitions()) {
                var part = new ReadShareGroupStateSummaryResponseData.PartitionResult().setPartition(p.partition())
                        .setStateEpoch(0).setLeaderEpoch(-1).setStartOffset(-1);
                out.partitions().add(part);
                Errors error = keyError(request.groupId(), t.topicId(), p.partition());
                ShareStateStore.Read read = error == Errors.NONE ? store.read(key(request.groupId(), t.topicId(), p.partition()))
                        : new ShareStateStore.Read(error, null);
                if (read.error() != Errors.NONE) {
                    part.setErrorCode(read.error().code()).setErrorMessage(messageOf(read.error()));
                } else if (read.state() != null) {
                    part.setStateEpoch(read.state().stateEpoch()).setLeaderEpoch(read.state().leaderEpoch())
                            .setStartOffset(read.state().startOffset())
                            .setDeliveryCompleteCount((int) Math.min(Integer.MAX_VALUE, completed(read.state())));
                }
            }
            response.results().add(out);
        }
        return response;
    }

    /** Offsets at or above the start offset that are acknowledged or archived. */
    static long completed(ShareStateRecords.ShareState state) {
        long done = 0;
        for (SharePartition.StateBatch b : state.batches()) {
            if ((b.deliveryState() == SharePartition.State.ACKNOWLEDGED.id || b.deliveryState() == SharePartition.State.ARCHIVED.id)
                    && b.lastOffset() >= state.startOffset()) {
                done += b.lastOffset() - Math.max(b.firstOffset(), state.startOffset()) + 1;
            }
        }
        return done;
    }
}
