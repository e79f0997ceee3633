package io.dlog.kafka.share;

import io.dlog.kafka.common.Uuids;
import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.topic.TopicService;
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
import org.apache.kafka.common.TopicPartition;
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
 * Offsets are the share coordinators' (ReadShareGroupStateSummary, InitializeShareGroupState and
 * DeleteShareGroupState through the {@link SharePersister}, or this node's store where it holds the state), as
 * Kafka's group coordinator asks them. "All of a group's offsets" asks the share-partitions the group
 * coordinator knows for the group (initialized or initializing, persisted with the group); only for a group
 * known solely by state held on this node (written before DLog persisted share groups) every partition of
 * every topic. Lag is the partition's high watermark ({@link EndOffsets}: asked of its leader where that is
 * another node) less the start offset and the records acknowledged or archived after it.
 *
 * <p>Thread-safety: stateless; the coordinator, manager, persister and store it calls are thread-safe.
 */
final class ShareGroupAdmin {
    private static final String SHARE = "share";

    private final TopicService topics;
    private final ShareGroupCoordinator coordinator;
    private final SharePartitionManager manager;
    private final ShareStateStore store;
    private final SharePersister persister;
    private final EndOffsets endOffsets;

    ShareGroupAdmin(TopicService topics, ShareGroupCoordinator coordinator, SharePartitionManager manager,
                    ShareStateStore store, SharePersister persister, EndOffsets endOffsets) {
        this.topics = topics;
        this.coordinator = coordinator;
        this.manager = manager;
        this.store = store;
        this.persister = persister;
        this.endOffsets = endOffsets;
    }

    /**
     * The share-partitions the group may have state for: those its coordinator knows (initialized or
     * initializing), or, for a group this node knows only by state, every partition of every topic.
     */
    private Set<SharePartitionKey> groupPartitions(String groupId) {
        Set<SharePartitionKey> known = coordinator.sharePartitions(groupId);
        return known != null ? known : everyPartition(groupId);
    }

    /** Every share-partition the group could have: each partition of each topic that is not internal. */
    private Set<SharePartitionKey> everyPartition(String groupId) {
        Set<SharePartitionKey> keys = new HashSet<>();
        for (TopicImage t : topics.image().topics().values()) {
            if (!InternalTopics.isInternal(t.name())) {
                for (int p = 0; p < t.partitions(); p++) {
                    keys.add(new SharePartitionKey(groupId, t.topicId(), p));
                }
            }
        }
        return keys;
    }

    /** The share-partitions among {@code keys} whose state exists at their coordinators. */
    private CompletableFuture<Set<SharePartitionKey>> initialized(String groupId, Set<SharePartitionKey> keys) {
        return persister.summaries(groupId, keys).thenApply(ShareGroupAdmin::withState);
    }

    /** A share group this node knows: members in memory or delivery state in the store. */
    boolean isShareGroup(String groupId) {
        return coordinator.group(groupId) != null || store.groupIds().contains(groupId);
    }

    // ------------------------------------------------------------------ DescribeShareGroupOffsets

    CompletableFuture<DescribeShareGroupOffsetsResponseData> describeOffsets(DescribeShareGroupOffsetsRequestData request) {
        List<CompletableFuture<DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup>> groups =
                new ArrayList<>();
        for (DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestGroup g : request.groups()) {
            groups.add(describeGroup(g));
        }
        return CompletableFuture.allOf(groups.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
            DescribeShareGroupOffsetsResponseData response = new DescribeShareGroupOffsetsResponseData();
            groups.forEach(g -> response.groups().add(g.join()));
            return response;
        });
    }

    private CompletableFuture<DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup> describeGroup(
            DescribeShareGroupOffsetsRequestData.DescribeShareGroupOffsetsRequestGroup g) {
        var out = new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseGroup().setGroupId(g.groupId());
        Errors error = coordinator.coordinatorError(g.groupId());
        if (error == Errors.NONE && !store.isReady()) {
            error = Errors.COORDINATOR_LOAD_IN_PROGRESS;
        }
        if (error != Errors.NONE) {
            return CompletableFuture.completedFuture(out.setErrorCode(error.code()).setErrorMessage(error.message()));
        }
        boolean all = g.topics() == null;
        Map<String, List<Integer>> asked = new TreeMap<>();
        Set<SharePartitionKey> keys = new HashSet<>();
        if (all) {
            for (SharePartitionKey key : groupPartitions(g.groupId())) {
                topics.image().topic(key.topicId()).ifPresent(t -> asked.computeIfAbsent(t.name(), n -> new ArrayList<>())
                        .add(key.partition()));
                keys.add(key);
            }
        } else {
            g.topics().forEach(t -> {
                asked.put(t.topicName(), t.partitions());
                topics.image().topic(t.topicName()).ifPresent(ti -> t.partitions().stream()
                        .filter(p -> p >= 0 && p < ti.partitions())
                        .forEach(p -> keys.add(new SharePartitionKey(g.groupId(), ti.topicId(), p))));
            });
        }
        return persister.summaries(g.groupId(), keys).thenCompose(summaries -> {
            if (all) {
                // What the share coordinators hold is initialized: the group coordinator notes it (Kafka's record).
                coordinator.markInitialized(g.groupId(), withState(summaries), false);
            }
            return endOffsets.of(lagPartitions(summaries)).thenApply(ends -> {
                asked.forEach((name, partitions) -> {
                    var t = describeTopic(g.groupId(), name, partitions, all, summaries, ends);
                    if (!t.partitions().isEmpty() || !all) {
                        out.topics().add(t);
                    }
                });
                return out.setErrorCode(Errors.NONE.code());
            });
        });
    }

    private static Set<SharePartitionKey> withState(Map<SharePartitionKey, SharePersister.Summary> summaries) {
        Set<SharePartitionKey> found = new HashSet<>();
        summaries.forEach((key, summary) -> {
            if (summary.error() == Errors.NONE && summary.startOffset() >= 0) {
                found.add(key);
            }
        });
        return found;
    }

    /** The topic partitions whose lag can be reported: those with a start offset. */
    private Set<TopicPartition> lagPartitions(Map<SharePartitionKey, SharePersister.Summary> summaries) {
        Set<TopicPartition> out = new HashSet<>();
        withState(summaries).forEach(key -> topics.image().topic(key.topicId())
                .ifPresent(t -> out.add(new TopicPartition(t.name(), key.partition()))));
        return out;
    }

    private DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic describeTopic(String groupId,
            String name, List<Integer> partitions, boolean all, Map<SharePartitionKey, SharePersister.Summary> summaries,
            Map<TopicPartition, Long> ends) {
        Optional<TopicImage> topic = topics.image().topic(name);
        var t = new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponseTopic().setTopicName(name)
                .setTopicId(topic.map(ti -> Uuids.toKafka(ti.topicId())).orElse(org.apache.kafka.common.Uuid.ZERO_UUID));
        for (int p : new TreeSet<>(partitions)) {
            var part = new DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition()
                    .setPartitionIndex(p).setStartOffset(-1).setLeaderEpoch(-1).setLag(-1);
            SharePersister.Summary summary = topic.isEmpty() ? null
                    : summaries.get(new SharePartitionKey(groupId, topic.get().topicId(), p));
            if (all && (summary == null || summary.error() != Errors.NONE || summary.startOffset() < 0)) {
                continue; // all of the group's offsets: only the share-partitions it initialized
            }
            if (summary == null) {
                part.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                        .setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
            } else {
                fill(part, summary, ends.get(new TopicPartition(name, p)));
            }
            t.partitions().add(part);
        }
        return t;
    }

    /** @param end the partition's high watermark, null when unknown (lag -1) */
    private static void fill(DescribeShareGroupOffsetsResponseData.DescribeShareGroupOffsetsResponsePartition part,
                             SharePersister.Summary summary, Long end) {
        if (summary.error() != Errors.NONE) {
            part.setErrorCode(summary.error().code()).setErrorMessage(summary.error().message());
            return;
        }
        if (summary.startOffset() < 0) {
            return; // never initialized: start offset -1, as Kafka reports it
        }
        part.setStartOffset(summary.startOffset()).setLeaderEpoch(summary.leaderEpoch());
        if (end != null) {
            // Lag: records from the start offset to the high watermark not yet acknowledged or archived.
            part.setLag(Math.max(0, end - summary.startOffset() - summary.completed()));
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
                    manager.forget(key);
                    // a new state epoch: a leader still holding the old state is fenced on its next write
                    writes.add(persister.summaries(request.groupId(), List.of(key)).thenCompose(summaries -> {
                        SharePersister.Summary current = summaries.get(key);
                        if (current.error() != Errors.NONE) {
                            return CompletableFuture.completedFuture(current.error());
                        }
                        return persister.initialize(key, current.startOffset() < 0 ? 0 : current.stateEpoch() + 1,
                                p.startOffset());
                    }).thenCompose(e -> e != Errors.NONE ? CompletableFuture.completedFuture(e)
                            // the group coordinator records the share-partition as initialized (creating the group)
                            : coordinator.markInitialized(request.groupId(), List.of(key), true)
                                    .handle((ok, failure) -> failure == null ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE))
                    .thenAccept(e -> part.setErrorCode(e.code()).setErrorMessage(e == Errors.NONE ? null : e.message())));
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
        List<CompletableFuture<Void>> deletes = new ArrayList<>();
        for (var t : request.topics()) {
            Optional<TopicImage> topic = topics.image().topic(t.topicName());
            var out = new DeleteShareGroupOffsetsResponseData.DeleteShareGroupOffsetsResponseTopic().setTopicName(t.topicName())
                    .setTopicId(topic.map(ti -> Uuids.toKafka(ti.topicId())).orElse(org.apache.kafka.common.Uuid.ZERO_UUID));
            if (topic.isEmpty()) {
                out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code()).setErrorMessage(Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
            } else {
                Set<SharePartitionKey> keys = new HashSet<>();
                for (int p = 0; p < topic.get().partitions(); p++) {
                    keys.add(new SharePartitionKey(request.groupId(), topic.get().topicId(), p));
                }
                keys.forEach(manager::forget);
                deletes.add(deleteState(request.groupId(), keys).thenCompose(e -> e != Errors.NONE
                        ? CompletableFuture.completedFuture(e)
                        : coordinator.forgetPartitions(request.groupId(), keys)
                                .handle((ok, failure) -> failure == null ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE))
                        .thenAccept(e -> out.setErrorCode(e.code()).setErrorMessage(e == Errors.NONE ? null : e.message())));
            }
            response.responses().add(out);
        }
        return CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0]))
                .thenApply(ignored -> response.setErrorCode(Errors.NONE.code()));
    }

    /** Deletes the state of those of {@code keys} that have one, wherever it is coordinated; the first error. */
    private CompletableFuture<Errors> deleteState(String groupId, Set<SharePartitionKey> keys) {
        return initialized(groupId, keys).thenCompose(found -> {
            List<CompletableFuture<Errors>> deletes = new ArrayList<>();
            found.forEach(key -> deletes.add(persister.delete(key)));
            return CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> deletes.stream()
                    .map(CompletableFuture::join).filter(e -> e != Errors.NONE).findFirst().orElse(Errors.NONE));
        });
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
            Set<SharePartitionKey> keys = groupPartitions(groupId);
            keys.forEach(manager::forget);
            CompletableFuture<Errors> tombstones = coordinator.delete(groupId)
                    .handle((ok, failure) -> failure == null ? Errors.NONE : Errors.COORDINATOR_NOT_AVAILABLE);
            shares.put(groupId, deleteState(groupId, keys).thenCombine(tombstones,
                    (state, records) -> state != Errors.NONE ? state : records));
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
