package io.dlog.kafka.share;

import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.interbroker.InterBrokerClient;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.metadata.MetadataImage;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.message.DeleteShareGroupStateRequestData;
import org.apache.kafka.common.message.InitializeShareGroupStateRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateResponseData;
import org.apache.kafka.common.message.ReadShareGroupStateSummaryRequestData;
import org.apache.kafka.common.message.ReadShareGroupStateSummaryResponseData;
import org.apache.kafka.common.message.WriteShareGroupStateRequestData;
import org.apache.kafka.common.message.WriteShareGroupStateResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteShareGroupStateRequest;
import org.apache.kafka.common.requests.DeleteShareGroupStateResponse;
import org.apache.kafka.common.requests.InitializeShareGroupStateRequest;
import org.apache.kafka.common.requests.InitializeShareGroupStateResponse;
import org.apache.kafka.common.requests.ReadShareGroupStateRequest;
import org.apache.kafka.common.requests.ReadShareGroupStateResponse;
import org.apache.kafka.common.requests.ReadShareGroupStateSummaryRequest;
import org.apache.kafka.common.requests.ReadShareGroupStateSummaryResponse;
import org.apache.kafka.common.requests.WriteShareGroupStateRequest;
import org.apache.kafka.common.requests.WriteShareGroupStateResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The share-partition leader's way to its persisted state (Kafka's DefaultStatePersister): the state of a
 * share-partition lives with the leader of its {@code __share_group_state} partition, looked up in the metadata
 * image for every request. When that is this node, the {@link ShareStateStore} is called directly; otherwise
 * ReadShareGroupState and WriteShareGroupState go to that node over the {@link InterBrokerClient}.
 *
 * <p>Reads are not retried here: the fetch path asks again on its next fetch. Writes of one share-partition are
 * sent one at a time, in the order they were handed over (each snapshot covers everything before it, so a
 * reordered pair could undo an acknowledgement); a write that meets NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
 * COORDINATOR_NOT_AVAILABLE or a network failure is tried again, at the coordinator then current, every
 * {@value #RETRY_BACKOFF_MS} ms for up to {@value #WRITE_TIMEOUT_MS} ms; fencing errors end it at once.
 *
 * <p>Thread-safety: thread-safe. The per-key queue of writes is guarded by its own monitor, never held across
 * I/O; futures complete on the inter-broker thread, the log's writer or the scheduler, and nothing here blocks.
 */
final class SharePersister {
    private static final Logger LOG = LoggerFactory.getLogger(SharePersister.class);
    static final long RETRY_BACKOFF_MS = 100;
    static final long WRITE_TIMEOUT_MS = 15_000;

    private final TopicService topics;
    private final ShareStateStore store;
    private final InterBrokerClient client;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nowMs;
    /** The last write of each share-partition not yet finished: the next one waits for it. */
    private final Map<SharePartitionKey, CompletableFuture<Void>> tails = new HashMap<>();

    SharePersister(TopicService topics, ShareStateStore store, InterBrokerClient client, ScheduledExecutorService scheduler,
                   LongSupplier nowMs) {
        this.topics = topics;
        this.store = store;
        this.client = client;
        this.scheduler = scheduler;
        this.nowMs = nowMs;
    }

    /**
     * The node that holds the state of {@code key}: the leader of its {@code __share_group_state} partition;
     * this node while the topic does not exist yet (its store creates it); -1 while that partition is offline.
     */
    int coordinatorNode(SharePartitionKey key) {
        MetadataImage image = topics.image();
        Optional<TopicImage> state = image.topic(InternalTopics.SHARE_GROUP_STATE);
        if (state.isEmpty() || state.get().partitions() == 0) {
            return topics.nodeId();
        }
        return TopicService.leaderOf(image, state.get(), ShareStateStore.partitionFor(key, state.get().partitions()));
    }

    private boolean local(int node) {
        return node == topics.nodeId() || client == null;
    }

    /**
     * Reads the state of {@code key} for its leader at {@code leaderEpoch}; completes (never exceptionally) with
     * the state, null when never initialized, or the error (COORDINATOR_NOT_AVAILABLE for a failure to reach it).
     */
    CompletableFuture<ShareStateStore.Read> read(SharePartitionKey key, int leaderEpoch) {
        int node = coordinatorNode(key);
        if (local(node)) {
            return CompletableFuture.completedFuture(store.read(key, leaderEpoch));
        }
        if (node < 0) {
            return CompletableFuture.completedFuture(new ShareStateStore.Read(Errors.COORDINATOR_NOT_AVAILABLE, null));
        }
        ReadShareGroupStateRequestData request = new ReadShareGroupStateRequestData().setGroupId(key.groupId())
                .setTopics(List.of(new ReadShareGroupStateRequestData.ReadStateData().setTopicId(key.kafkaTopicId())
                        .setPartitions(List.of(new ReadShareGroupStateRequestData.PartitionData()
                                .setPartition(key.partition()).setLeaderEpoch(leaderEpoch)))));
        return client.send(node, new ReadShareGroupStateRequest.Builder(request)).handle((response, failure) -> {
            if (failure != null) {
                LOG.debug("Reading the state of {} from node {} failed", key, node, failure);
                return new ShareStateStore.Read(Errors.COORDINATOR_NOT_AVAILABLE, null);
            }
            return readAnswer(key, ((ReadShareGroupStateResponse) response).data());
        });
    }

    private static ShareStateStore.Read readAnswer(SharePartitionKey key, ReadShareGroupStateResponseData data) {
        for (ReadShareGroupStateResponseData.ReadStateResult t : data.results()) {
            for (ReadShareGroupStateResponseData.PartitionResult p : t.partitions()) {
                if (!Uuids.fromKafka(t.topicId()).equals(key.topicId()) || p.partition() != key.partition()) {
                    continue;
                }
                if (p.errorCode() != Errors.NONE.code()) {
                    return new ShareStateStore.Read(Errors.forCode(p.errorCode()), null);
                }
                if (p.startOffset() < 0) {
                    return new ShareStateStore.Read(Errors.NONE, null); // never initialized
                }
                List<SharePartition.StateBatch> batches = new ArrayList<>(p.stateBatches().size());
                p.stateBatches().forEach(b -> batches.add(new SharePartition.StateBatch(b.firstOffset(), b.lastOffset(),
                        b.deliveryState(), b.deliveryCount())));
                return new ShareStateStore.Read(Errors.NONE, new ShareStateRecords.ShareState(0, p.stateEpoch(), -1,
                        p.startOffset(), -1, batches));
            }
        }
        return new ShareStateStore.Read(Errors.COORDINATOR_NOT_AVAILABLE, null); // not answered: ask again
    }

    /**
     * Writes the state of {@code key} once the writes handed over before it are done; completes when the
     * coordinator has it durable, or exceptionally with the coordinator's error.
     */
    CompletableFuture<Void> write(SharePartitionKey key, int stateEpoch, int leaderEpoch, long startOffset,
                                  List<SharePartition.StateBatch> batches) {
        long deadline = nowMs.getAsLong() + WRITE_TIMEOUT_MS;
        CompletableFuture<Void> next;
        synchronized (tails) {
            CompletableFuture<Void> previous = tails.get(key);
            next = previous == null ? attempt(key, stateEpoch, leaderEpoch, startOffset, batches, deadline)
                    : previous.handle((ok, failure) -> null)
                    .thenCompose(ignored -> attempt(key, stateEpoch, leaderEpoch, startOffset, batches, deadline));
            tails.put(key, next);
        }
        CompletableFuture<Void> written = next;
        written.whenComplete((ok, failure) -> {
            synchronized (tails) {
                tails.remove(key, written);
            }
        });
        return written;
    }

    private CompletableFuture<Void> attempt(SharePartitionKey key, int stateEpoch, int leaderEpoch, long startOffset,
                                            List<SharePartition.StateBatch> batches, long deadline) {
        int node = coordinatorNode(key);
        CompletableFuture<Errors> outcome;
        if (local(node)) {
            outcome = store.write(key, stateEpoch, leaderEpoch, startOffset, batches)
                    .handle((ok, failure) -> failure == null ? Errors.NONE : ShareStateHandlers.errorOf(failure));
        } else if (node < 0) {
            outcome = CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
        } else {
            outcome = client.send(node, new WriteShareGroupStateRequest.Builder(writeRequest(key, stateEpoch, leaderEpoch,
                    startOffset, batches))).handle((response, failure) -> failure != null ? Errors.COORDINATOR_NOT_AVAILABLE
                    : writeAnswer(key, ((WriteShareGroupStateResponse) response).data()));
        }
        return outcome.thenCompose(error -> {
            if (error == Errors.NONE) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (!retriable(error) || nowMs.getAsLong() + RETRY_BACKOFF_MS > deadline) {
                return CompletableFuture.<Void>failedFuture(error.exception());
            }
            CompletableFuture<Void> retried = new CompletableFuture<>();
            try {
                scheduler.schedule(() -> attempt(key, stateEpoch, leaderEpoch, startOffset, batches, deadline)
                        .whenComplete((ok, failure) -> {
                            if (failure != null) {
                                retried.completeExceptionally(failure);
                            } else {
                                retried.complete(null);
                            }
                        }), RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                retried.completeExceptionally(error.exception()); // the broker is stopping
            }
            return retried;
        });
    }

    private static boolean retriable(Errors error) {
        return error == Errors.NOT_COORDINATOR || error == Errors.COORDINATOR_LOAD_IN_PROGRESS
                || error == Errors.COORDINATOR_NOT_AVAILABLE;
    }

    private static WriteShareGroupStateRequestData writeRequest(SharePartitionKey key, int stateEpoch, int leaderEpoch,
                                                               long startOffset, List<SharePartition.StateBatch> batches) {
        List<WriteShareGroupStateRequestData.StateBatch> out = new ArrayList<>(batches.size());
        batches.forEach(b -> out.add(new WriteShareGroupStateRequestData.StateBatch().setFirstOffset(b.firstOffset())
                .setLastOffset(b.lastOffset()).setDeliveryState(b.deliveryState()).setDeliveryCount(b.deliveryCount())));
        return new WriteShareGroupStateRequestData().setGroupId(key.groupId()).setTopics(List.of(
                new WriteShareGroupStateRequestData.WriteStateData().setTopicId(key.kafkaTopicId()).setPartitions(List.of(
                        new WriteShareGroupStateRequestData.PartitionData().setPartition(key.partition())
                                .setStateEpoch(stateEpoch).setLeaderEpoch(leaderEpoch).setStartOffset(startOffset)
                                .setStateBatches(out)))));
    }

    private static Errors writeAnswer(SharePartitionKey key, WriteShareGroupStateResponseData data) {
        for (WriteShareGroupStateResponseData.WriteStateResult t : data.results()) {
            for (WriteShareGroupStateResponseData.PartitionResult p : t.partitions()) {
                if (Uuids.fromKafka(t.topicId()).equals(key.topicId()) && p.partition() == key.partition()) {
                    return Errors.forCode(p.errorCode());
                }
            }
        }
        return Errors.COORDINATOR_NOT_AVAILABLE; // not answered: try again
    }
    // ------------------------------------------------------------------ the admin paths (group coordinator's side)

    /** A share-partition's summary for the admin paths: its epochs, start offset (-1: never initialized), completed count. */
    record Summary(Errors error, int stateEpoch, int leaderEpoch, long startOffset, long completed) {
        static Summary of(ShareStateStore.Read read) {
            if (read.error() != Errors.NONE) {
                return new Summary(read.error(), 0, -1, -1, 0);
            }
            ShareStateRecords.ShareState s = read.state();
            return s == null ? new Summary(Errors.NONE, 0, -1, -1, 0)
                    : new Summary(Errors.NONE, s.stateEpoch(), s.leaderEpoch(), s.startOffset(), ShareStateHandlers.completed(s));
        }
    }

    /**
     * The summaries of {@code keys} (all of one group) from their coordinators: this node's store, and one
     * ReadShareGroupStateSummary per other node. Completes normally; a coordinator out of reach answers
     * COORDINATOR_NOT_AVAILABLE for its share-partitions.
     */
    CompletableFuture<Map<SharePartitionKey, Summary>> summaries(String groupId, Collection<SharePartitionKey> keys) {
        Map<Integer, List<SharePartitionKey>> byNode = new HashMap<>();
        keys.forEach(key -> byNode.computeIfAbsent(coordinatorNode(key), n -> new ArrayList<>()).add(key));
        Map<SharePartitionKey, Summary> out = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        byNode.forEach((node, nodeKeys) -> {
            if (local(node)) {
                nodeKeys.forEach(key -> out.put(key, Summary.of(store.read(key))));
            } else if (node < 0) {
                nodeKeys.forEach(key -> out.put(key, Summary.of(new ShareStateStore.Read(Errors.COORDINATOR_NOT_AVAILABLE, null))));
            } else {
                calls.add(client.send(node, new ReadShareGroupStateSummaryRequest.Builder(summaryRequest(groupId, nodeKeys)))
                        .handle((response, failure) -> {
                            if (failure == null) {
                                summaryAnswer(((ReadShareGroupStateSummaryResponse) response).data(), groupId, out);
                            }
                            nodeKeys.forEach(key -> out.putIfAbsent(key,
                                    Summary.of(new ShareStateStore.Read(Errors.COORDINATOR_NOT_AVAILABLE, null))));
                            return null;
                        }));
            }
        });
        return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> out);
    }

    private static ReadShareGroupStateSummaryRequestData summaryRequest(String groupId, List<SharePartitionKey> keys) {
        Map<UUID, ReadShareGroupStateSummaryRequestData.ReadStateSummaryData> byTopic = new HashMap<>();
        for (SharePartitionKey key : keys) {
            byTopic.computeIfAbsent(key.topicId(), id -> new ReadShareGroupStateSummaryRequestData.ReadStateSummaryData()
                    .setTopicId(key.kafkaTopicId())).partitions()
                    .add(new ReadShareGroupStateSummaryRequestData.PartitionData().setPartition(key.partition()).setLeaderEpoch(-1));
        }
        return new ReadShareGroupStateSummaryRequestData().setGroupId(groupId).setTopics(new ArrayList<>(byTopic.values()));
    }

    private static void summaryAnswer(ReadShareGroupStateSummaryResponseData data, String groupId,
                                      Map<SharePartitionKey, Summary> out) {
        for (ReadShareGroupStateSummaryResponseData.ReadStateSummaryResult t : data.results()) {
            for (ReadShareGroupStateSummaryResponseData.PartitionResult p : t.partitions()) {
                SharePartitionKey key = new SharePartitionKey(groupId, Uuids.fromKafka(t.topicId()), p.partition());
                out.put(key, p.errorCode() != Errors.NONE.code()
                        ? Summary.of(new ShareStateStore.Read(Errors.forCode(p.errorCode()), null))
                        : new Summary(Errors.NONE, p.stateEpoch(), p.leaderEpoch(), p.startOffset(),
                        Math.max(0, p.deliveryCompleteCount())));
            }
        }
    }

    /** InitializeShareGroupState at the coordinator of {@code key}; completes with its error. */
    CompletableFuture<Errors> initialize(SharePartitionKey key, int stateEpoch, long startOffset) {
        int node = coordinatorNode(key);
        if (local(node)) {
            return store.initialize(key, stateEpoch, startOffset)
                    .handle((ok, failure) -> failure == null ? Errors.NONE : ShareStateHandlers.errorOf(failure));
        }
        if (node < 0) {
            return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
        }
        InitializeShareGroupStateRequestData request = new InitializeShareGroupStateRequestData().setGroupId(key.groupId())
                .setTopics(List.of(new InitializeShareGroupStateRequestData.InitializeStateData().setTopicId(key.kafkaTopicId())
                        .setPartitions(List.of(new InitializeShareGroupStateRequestData.PartitionData()
                                .setPartition(key.partition()).setStateEpoch(stateEpoch).setStartOffset(startOffset)))));
        return client.send(node, new InitializeShareGroupStateRequest.Builder(request)).handle((response, failure) ->
                failure != null ? Errors.COORDINATOR_NOT_AVAILABLE : firstError(
                        ((InitializeShareGroupStateResponse) response).data().results().stream()
                                .flatMap(t -> t.partitions().stream()).map(p -> p.errorCode()).toList()));
    }

    /** DeleteShareGroupState at the coordinator of {@code key}; completes with its error. */
    CompletableFuture<Errors> delete(SharePartitionKey key) {
        int node = coordinatorNode(key);
        if (local(node)) {
            return store.delete(java.util.Set.of(key))
                    .handle((ok, failure) -> failure == null ? Errors.NONE : ShareStateHandlers.errorOf(failure));
        }
        if (node < 0) {
            return CompletableFuture.completedFuture(Errors.COORDINATOR_NOT_AVAILABLE);
        }
        DeleteShareGroupStateRequestData request = new DeleteShareGroupStateRequestData().setGroupId(key.groupId())
                .setTopics(List.of(new DeleteShareGroupStateRequestData.DeleteStateData().setTopicId(key.kafkaTopicId())
                        .setPartitions(List.of(new DeleteShareGroupStateRequestData.PartitionData().setPartition(key.partition())))));
        return client.send(node, new DeleteShareGroupStateRequest.Builder(request)).handle((response, failure) ->
                failure != null ? Errors.COORDINATOR_NOT_AVAILABLE : firstError(
                        ((DeleteShareGroupStateResponse) response).data().results().stream()
                                .flatMap(t -> t.partitions().stream()).map(p -> p.errorCode()).toList()));
    }

    private static Errors firstError(List<Short> codes) {
        if (codes.isEmpty()) {
            return Errors.COORDINATOR_NOT_AVAILABLE; // not answered
        }
        return codes.stream().filter(c -> c != Errors.NONE.code()).findFirst().map(Errors::forCode).orElse(Errors.NONE);
    }
}
