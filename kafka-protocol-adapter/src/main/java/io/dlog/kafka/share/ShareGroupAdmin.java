package io.dlog.kafka.share;

import io.dlog.kafka.handlers.Uuids;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.PartitionLog;
import io.dlog.log.metadata.TopicImage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.message.AlterShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.AlterShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DeleteShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsRequestData;
import org.apache.kafka.common.message.DescribeShareGroupOffsetsResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Share group administration as the 4.x Admin client and {@code kafka-share-groups} use it:
 * DescribeShareGroupOffsets (start offset and lag per share-partition), AlterShareGroupOffsets and
 * DeleteShareGroupOffsets (empty groups only, as Kafka), share groups in ListGroups and DeleteGroups.
 * Offsets are read from the live share-partition when this node leads it, else from the persisted state.
 *
 * <p>Thread-safety: stateless; the coordinator, manager and store it calls are thread-safe.
 */
final class ShareGroupAdmin {
    private static final String SHARE = "share";

    private final TopicService topics;
    private final ShareGroupCoordinator coordinator;
    private final SharePartitionManager manager;
    private final ShareStateStore store;

    ShareGroupAdmin(TopicService topics, ShareGroupCoordinator coordinator, SharePartitionManager manager,
                    ShareStateStore store) {
        this.topics = topics;
        this.coordinator = coordinator;
        this.manager = manager;
        this.store = store;
    }

    /** A share group this node knows: members in memory or delivery state in the store. */
    boolean isShareGroup(String groupId) {
        return coordinator.group(groupId) != null || store.groupIds().contains(groupId);
    }

    // ------------------------------------------------------------------ DescribeShareGroupOffsets

    DescribeShareGroupOffsetsResponseData describeOffsets(DescribeShareGroupOffsetsRequestData request) {
        DescribeShareGroupOffsetsResponseData response = new DescribeShareGroupOffsetsResponseData();
        for (DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestGroup g : request.groups()) {
            response.groups().add(describeGroup(g));
        }
        return response;
    }

    private DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup describeGroup(
            DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestGroup g) {
        var out = new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup().setGroupId(g.groupId());
        Errors error = coordinator.coordinatorError(g.groupId());
        if (error == Errors.NONE && !store.isReady()) {
            error = Errors.COORDINATOR_LOAD_IN_PROGRESS;
        }
        if (error != Errors.NONE) {
            return out.setErrorCode(error.code()).setErrorMessage(error.message());
        }
        Map<SharePartitionKey, ShareStateRecords.ShareState> states = store.groupStates(g.groupId());
        Map<String, List<Integer>> asked = new TreeMap<>();
        if (g.topics() == null) {
            for (SharePartitionKey key : states.keySet()) {
                topics.image().topic(key.topicId()).ifPresent(t -> asked.computeIfAbsent(t.name(), n -> new ArrayList<>())
                        .add(key.partition()));
            }
        } else {
            g.topics().forEach(t -> asked.put(t.topicName(), t.partitions()));
        }
        asked.forEach((name, partitions) -> {
            Optional<TopicImage> topic = topics.image().topic(name);
            var t = new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic().setTopicName(name)
                    .setTopicId(topic.map(ti -> Uuids.toKafka(ti.topicId())).orElse(org.apache.kafka.common.Uuid.ZERO_UUID));
            for (int p : new TreeSet<>(partitions)) {
                var part = new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition()
                        .setPartitionIndex(p).setStartOffset(-1).setLeaderEpoch(-1).setLag(-1);
                if (topic.isEmpty() || p < 0 || p >= topic.get().partitions()) {
                    part.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
                } else {
                    fill(part, new SharePartitionKey(g.groupId(), topic.get().topicId(), p), name, states);
                }
                t.partitions().add(part);
            }
            out.topics().add(t);
        });
        return out.setErrorCode(Errors.NONE.code());
    }

    private void fill(DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition part,
                      SharePartitionKey key, String topic, Map<SharePartitionKey, ShareStateRecords.ShareState> states) {
        ShareStateRecords.ShareState state = states.get(key);
        if (state == null) {
            return; // never initialized: start offset -1, as Kafka reports it
        }
        long done = ShareStateHandlers.completed(state);
        part.setStartOffset(state.startOffset()).setLeaderEpoch(state.leaderEpoch());
        Optional<PartitionLog> log = topics.partition(topic, key.partition());
        if (log.isPresent()) {
            // Lag: records from the start offset to the high watermark not yet acknowledged or archived.
            part.setLag(Math.max(0, log.get().highWatermark() - state.startOffset() - done));
        }
    }

    // ------------------------------------------------------------------ Alter / Delete offsets

    CompletableFuture<AlterShareGroupOffsetsResponseData> alterOffsets(AlterShareGroupOffsetsRequestData request) {
        AlterShareGroupOffsetsResponseData response = new AlterShareGroupOffsetsResponseData();
        Errors error = emptyGroupError(request.groupId());
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(response.setErrorCode(error.code()).setErrorMessage(error.message()));
        }
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (var t : request.topics()) {
            Optional<TopicImage> topic = topics.image().topic(t.topicName());
            var out = new AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponseTopic().setTopicName(t.topicName())
                    .setTopicId(topic.map(ti -> Uuids.toKafka(ti.topicId())).orElse(org.apache.kafka.common.Uuid.ZERO_UUID));
            for (var p : t.partitions()) {
                var part = new AlterShareGroupOffsetsResponseData.AlterShareGroupOffsetsResponsePartition()
                        .setPartitionIndex(p.partitionIndex());
                if (topic.isEmpty() || p.partitionIndex() < 0 || p.partitionIndex() >= topic.get().partitions()) {
                    part.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
                } else if (p.startOffset() < 0) {
                    part.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("The start offset must not be negative.");
                } else {
                    SharePartitionKey key = new SharePartitionKey(request.groupId(), topic.get().topicId(), p.partitionIndex());
                    ShareStateStore.Read read = store.read(key);
                    int stateEpoch = read.state() == null ? 0 : read.state().stateEpoch() + 1;
                    manager.forget(key);
                    CompletableFuture<Void> write = store.initialize(key, stateEpoch, p.startOffset());
                    writes.add(write.handle((ok, failure) -> {
                        Errors e = failure == null ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
                        part.setErrorCode(e.code()).setErrorMessage(failure == null ? null : failure.getMessage());
                        return null;
                    }));
                }
                out.partitions().add(part);
            }
            response.responses().add(out);
        }
        return CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0]))
                .thenApply(ignored -> response.setErrorCode(Errors.NONE.code()));
    }

    CompletableFuture<DeleteShareGroupOffsetsResponseData> deleteOffsets(DeleteShareGroupOffsetsRequestData request) {
        DeleteShareGroupOffsetsResponseData response = new DeleteShareGroupOffsetsResponseData();
        Errors error = emptyGroupError(request.groupId());
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(response.setErrorCode(error.code()).setErrorMessage(error.message()));
        }
        Map<SharePartitionKey, ShareStateRecords.ShareState> states = store.groupStates(request.groupId());
        List<CompletableFuture<Void>> deletes = new ArrayList<>();
        for (var t : request.topics()) {
            Optional<TopicImage> topic = topics.image().topic(t.topicName());
            var out = new DeleteShareGroupOffsetsResponseData.DeleteShareGroupOffsetsResponseTopic().setTopicName(t.topicName())
                    .setTopicId(topic.map(ti -> Uuids.toKafka(ti.topicId())).orElse(org.apache.kafka.common.Uuid.ZERO_UUID));
            if (topic.isEmpty()) {
                out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
            } else {
                Set<SharePartitionKey> keys = new HashSet<>();
                states.keySet().stream().filter(k -> k.topicId().equals(topic.get().topicId())).forEach(keys::add);
                keys.forEach(manager::forget);
                deletes.add(store.delete(keys).handle((ok, failure) -> {
                    Errors e = failure == null ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE;
                    out.setErrorCode(e.code()).setErrorMessage(failure == null ? null : failure.getMessage());
                    return null;
                }));
            }
            response.responses().add(out);
        }
        return CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0]))
                .thenApply(ignored -> response.setErrorCode(Errors.NONE.code()));
    }

    /** Offsets may change only while no member is in the group and no record is acquired (Kafka: NON_EMPTY_GROUP). */
    private Errors emptyGroupError(String groupId) {
        Errors error = coordinator.coordinatorError(groupId);
        if (error != Errors.NONE) {
            return error;
        }
        if (!store.isReady()) {
            return Errors.COORDINATOR_LOAD_IN_PROGRESS;
        }
        return !coordinator.isEmpty(groupId) || manager.anyAcquired(groupId) ? Errors.NON_EMPTY_GROUP : Errors.NONE;
    }

    // ------------------------------------------------------------------ ListGroups / DeleteGroups

    /** Adds the share groups this node coordinates to the consumer coordinator's answer. */
    ListGroupsResponseData listGroups(ListGroupsRequestData request, ListGroupsResponseData fromGroups) {
        if (fromGroups.errorCode() != Errors.NONE.code()) {
            return fromGroups;
        }
        Set<String> types = new HashSet<>();
        request.typesFilter().forEach(t -> types.add(t.toLowerCase(Locale.ROOT)));
        Set<String> states = new HashSet<>();
        request.statesFilter().forEach(s -> states.add(s.toLowerCase(Locale.ROOT)));
        if (!types.isEmpty() && !types.contains(SHARE)) {
            return fromGroups;
        }
        Map<String, String> shareGroups = new TreeMap<>();
        store.groupIds().forEach(id -> shareGroups.put(id, "Empty"));
        shareGroups.putAll(coordinator.states());
        shareGroups.forEach((id, state) -> {
            if (coordinator.coordinatorError(id) == Errors.NONE
                    && (states.isEmpty() || states.contains(state.toLowerCase(Locale.ROOT)))) {
                fromGroups.groups().add(new ListGroupsResponseData.ListedGroup().setGroupId(id).setProtocolType(SHARE)
                        .setGroupState(state).setGroupType(SHARE));
            }
        });
        return fromGroups;
    }

    /** Deletes the share groups named (empty ones only); hands the other ids to the consumer coordinator. */
    CompletableFuture<DeleteGroupsResponseData> deleteGroups(DeleteGroupsRequestData request,
            Function<DeleteGroupsRequestData, CompletableFuture<DeleteGroupsResponseData>> others) {
        List<String> rest = new ArrayList<>();
        Map<String, CompletableFuture<Errors>> shares = new LinkedHashMap<>();
        for (String groupId : request.groupsNames()) {
            if (!isShareGroup(groupId)) {
                rest.add(groupId);
                continue;
            }
            Errors error = emptyGroupError(groupId);
            if (error != Errors.NONE) {
                shares.put(groupId, CompletableFuture.completedFuture(error));
                continue;
            }
            Set<SharePartitionKey> keys = store.groupStates(groupId).keySet();
            keys.forEach(manager::forget);
            coordinator.remove(groupId);
            shares.put(groupId, store.delete(keys).handle((ok, failure) -> failure == null ? Errors.NONE
                    : Errors.COORDINATOR_NOT_AVAILABLE));
        }
        CompletableFuture<DeleteGroupsResponseData> fromOthers = rest.isEmpty()
                ? CompletableFuture.completedFuture(new DeleteGroupsResponseData())
                : others.apply(new DeleteGroupsRequestData().setGroupsNames(rest));
        return fromOthers.thenCompose(response -> CompletableFuture.allOf(shares.values().toArray(new CompletableFuture<?>[0]))
                .thenApply(ignored -> {
                    shares.forEach((id, f) -> response.results().add(new DeleteGroupsResponseData.DeletableGroupResult()
                            .setGroupId(id).setErrorCode(f.join().code())));
                    return response;
                }));
    }
}
