package io.dlog.kafka.group;

import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.group.GroupRecords.OffsetValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * Committed offsets: OffsetCommit (v2-10, v10 by topic id), OffsetFetch (v1-10, several groups from
 * v8, topic ids from v10), OffsetDelete, and offsets.retention.minutes expiry (KIP-211: the offsets of
 * an Empty group expire once it has been empty that long; a group without a protocol ("simple"
 * consumers that only commit) expires each offset by its commit time).
 *
 * <p>An offset becomes visible to OffsetFetch once its record is in the log, just before the commit is
 * answered. Transactional offsets ({@link TxnOffsets}) become visible at their commit marker; until then
 * OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT for their partitions. Not thread-safe: runs under the coordinator's lock (write callbacks take it).
 */
final class OffsetManager {
    private static final String NO_METADATA = "";

    /** A topic partition, ordered by topic then partition. */
    record Key(String topic, int partition) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            int c = topic.compareTo(o.topic);
            return c != 0 ? c : Integer.compare(partition, o.partition);
        }
    }

    private final GroupCoordinator coordinator;
    private final Map<String, TreeMap<Key, OffsetValue>> offsets = new HashMap<>();

    OffsetManager(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    /** Committed offsets held, over every group (Kafka's NumOffsets). */
    int offsetCount() {
        int count = 0;
        for (TreeMap<Key, OffsetValue> group : offsets.values()) {
            count += group.size();
        }
        return count;
    }

    /** Forgets the committed offsets of the groups {@code unloaded} selects (their partition moved away). */
    void unload(java.util.function.Predicate<String> unloaded) {
        offsets.keySet().removeIf(unloaded);
    }

    void restore(String groupId, Map<Key, OffsetValue> values) {
        offsets.put(groupId, new TreeMap<>(values));
    }

    /** A committed transaction's offsets, now visible. */
    void commitTransactional(String groupId, Map<Key, OffsetValue> values) {
        offsets.computeIfAbsent(groupId, g -> new TreeMap<>()).putAll(values);
        if (!coordinator.hasGroup(groupId)) {
            coordinator.createClassicGroup(groupId);
        }
    }

    Map<Key, OffsetValue> offsets(String groupId) {
        return offsets.getOrDefault(groupId, new TreeMap<>());
    }

    /** Tombstones for every offset of the group, which is forgotten. */
    boolean hasOffsets(String groupId) {
        Map<Key, OffsetValue> committed = offsets.get(groupId);
        return committed != null && !committed.isEmpty();
    }

    List<GroupRecords.Record> removeAll(String groupId) {
        List<GroupRecords.Record> records = new ArrayList<>();
        Map<Key, OffsetValue> removed = offsets.remove(groupId);
        if (removed != null) {
            removed.keySet().forEach(k -> records.add(GroupRecords.offset(groupId, k.topic(), k.partition(), null)));
        }
        return records;
    }

    // ---------------------------------------------------------------- OffsetCommit

    CompletableFuture<OffsetCommitResponseData> commit(short version, OffsetCommitRequestData request) {
        Errors groupError = validateCommit(version, request);
        if (groupError != Errors.NONE) {
            return CompletableFuture.completedFuture(commitError(version, request, groupError));
        }
        TopicMetadata topics = coordinator.topics();
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        Map<Key, OffsetValue> accepted = new LinkedHashMap<>();
        List<OffsetCommitResponsePartition> acceptedAnswers = new ArrayList<>();
        long now = coordinator.now();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
            String name = version >= 10 ? topics.name(topic.topicId()).orElse(null) : topic.name();
            OffsetCommitResponseTopic answer = new OffsetCommitResponseTopic().setName(topic.name())
                    .setTopicId(version >= 10 ? topic.topicId() : Uuid.ZERO_UUID);
            response.topics().add(answer);
            for (OffsetCommitRequestData.OffsetCommitRequestPartition p : topic.partitions()) {
                Errors error = Errors.NONE;
                if (name == null) {
                    error = version >= 10 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else if (p.partitionIndex() < 0 || p.partitionIndex() >= topics.partitions(name)) {
                    error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else if (p.committedMetadata() != null
                        && p.committedMetadata().length() > coordinator.config().offsetMetadataMaxBytes()) {
                    error = Errors.OFFSET_METADATA_TOO_LARGE;
                }
                OffsetCommitResponsePartition partition = new OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code());
                answer.partitions().add(partition);
                if (error == Errors.NONE) {
                    accepted.put(new Key(name, p.partitionIndex()), new OffsetValue(p.committedOffset(),
                            p.committedLeaderEpoch(), p.committedMetadata() == null ? NO_METADATA : p.committedMetadata(), now));
                    acceptedAnswers.add(partition);
                }
            }
        }
        if (accepted.isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        String groupId = request.groupId();
        List<GroupRecords.Record> records = new ArrayList<>();
        accepted.forEach((k, v) -> records.add(GroupRecords.offset(groupId, k.topic(), k.partition(), v)));
        return coordinator.append(groupId, records).handle((ok, failure) -> {
            synchronized (coordinator) {
                if (failure != null) {
                    Errors error = InternalTopicLog.coordinatorError(failure);
                    acceptedAnswers.forEach(a -> a.setErrorCode(error.code()));
                } else if (coordinator.hasGroup(groupId)) {
                    offsets.computeIfAbsent(groupId, g -> new TreeMap<>()).putAll(accepted);
                }
            }
            return response;
        });
    }

    static OffsetCommitResponseData commitError(short version, OffsetCommitRequestData request, Errors error) {
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        for (OffsetCommitRequestData.OffsetCommitRequestTopic topic : request.topics()) {
            OffsetCommitResponseTopic answer = new OffsetCommitResponseTopic().setName(topic.name())
                    .setTopicId(version >= 10 ? topic.topicId() : Uuid.ZERO_UUID);
            topic.partitions().forEach(p -> answer.partitions().add(new OffsetCommitResponsePartition()
                    .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code())));
            response.topics().add(answer);
        }
        return response;
    }

    Errors validateCommit(short version, OffsetCommitRequestData request) {
        String groupId = request.groupId();
        if (groupId == null || groupId.isEmpty()) {
            return Errors.INVALID_GROUP_ID;
        }
        ConsumerGroup consumerGroup = coordinator.consumerGroups.get(groupId);
        if (consumerGroup != null) {
            return coordinator.consumer().validateOffsetCommit(consumerGroup, request.memberId(),
                    request.generationIdOrMemberEpoch());
        }
        StreamsGroup streamsGroup = coordinator.streamsGroups.get(groupId);
        if (streamsGroup != null) {
            return coordinator.streams().validateOffsetCommit(streamsGroup, request.memberId(),
                    request.generationIdOrMemberEpoch());
        }
        ClassicGroup group = coordinator.classicGroups.get(groupId);
        int generation = request.generationIdOrMemberEpoch();
        String memberId = request.memberId() == null ? "" : request.memberId();
        if (group == null) {
            if (generation < 0) {
                // A "simple" group: offsets without membership (assign() consumers, admin tools).
                coordinator.createClassicGroup(groupId);
                return Errors.NONE;
            }
            return version >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION;
        }
        if (group.state == ClassicGroup.State.DEAD) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generation < 0 && group.state == ClassicGroup.State.EMPTY) {
            return Errors.NONE;
        }
        if (generation >= 0 || !memberId.isEmpty() || request.groupInstanceId() != null) {
            Errors invalid = coordinator.classic().validateMember(group, memberId, request.groupInstanceId());
            if (invalid != Errors.NONE) {
                return invalid;
            }
            if (generation != group.generationId) {
                return Errors.ILLEGAL_GENERATION;
            }
        } else if (!group.isEmpty()) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (group.state == ClassicGroup.State.COMPLETING_REBALANCE) {
            return Errors.REBALANCE_IN_PROGRESS;
        }
        coordinator.classic().touch(group, memberId);
        return Errors.NONE;
    }

    // ---------------------------------------------------------------- OffsetFetch

    OffsetFetchResponseData fetch(short version, OffsetFetchRequestData request) {
        if (version >= 8) {
            OffsetFetchResponseData response = new OffsetFetchResponseData();
            for (OffsetFetchRequestData.OffsetFetchRequestGroup group : request.groups()) {
                response.groups().add(fetchGroup(version, group, request.requireStable()));
            }
            return response;
        }
        OffsetFetchRequestData.OffsetFetchRequestGroup group = new OffsetFetchRequestData.OffsetFetchRequestGroup()
                .setGroupId(request.groupId());
        if (request.topics() == null) {
            group.setTopics(null);
        } else {
            for (OffsetFetchRequestData.OffsetFetchRequestTopic topic : request.topics()) {
                group.topics().add(new OffsetFetchRequestData.OffsetFetchRequestTopics().setName(topic.name())
                        .setPartitionIndexes(topic.partitionIndexes()));
            }
        }
        OffsetFetchResponseData.OffsetFetchResponseGroup answer = fetchGroup(version, group, version >= 7 && request.requireStable());
        OffsetFetchResponseData response = new OffsetFetchResponseData().setErrorCode(answer.errorCode());
        for (OffsetFetchResponseData.OffsetFetchResponseTopics topic : answer.topics()) {
            OffsetFetchResponseData.OffsetFetchResponseTopic old = new OffsetFetchResponseData.OffsetFetchResponseTopic()
                    .setName(topic.name());
            for (OffsetFetchResponseData.OffsetFetchResponsePartitions p : topic.partitions()) {
                old.partitions().add(new OffsetFetchResponseData.OffsetFetchResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                        .setCommittedLeaderEpoch(p.committedLeaderEpoch()).setMetadata(p.metadata())
                        .setErrorCode(p.errorCode()));
            }
            response.topics().add(old);
        }
        return response;
    }

    static OffsetFetchResponseData fetchError(short version, OffsetFetchRequestData request, Errors error) {
        OffsetFetchResponseData response = new OffsetFetchResponseData();
        if (version >= 8) {
            request.groups().forEach(g -> response.groups().add(new OffsetFetchResponseData.OffsetFetchResponseGroup()
                    .setGroupId(g.groupId()).setErrorCode(error.code())));
        } else {
            response.setErrorCode(error.code());
        }
        return response;
    }

    private OffsetFetchResponseData.OffsetFetchResponseGroup fetchGroup(short version,
                                                                        OffsetFetchRequestData.OffsetFetchRequestGroup request,
                                                                        boolean requireStable) {
        String groupId = request.groupId();
        ConsumerGroup consumerGroup = coordinator.consumerGroups.get(groupId);
        if (consumerGroup != null && request.memberId() != null && !request.memberId().isEmpty()) {
            Errors error = coordinator.consumer().validateOffsetFetch(consumerGroup, request.memberId(), request.memberEpoch());
            if (error != Errors.NONE) {
                return new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(groupId).setErrorCode(error.code());
            }
        }
        StreamsGroup streamsGroup = coordinator.streamsGroups.get(groupId);
        if (streamsGroup != null && request.memberId() != null && !request.memberId().isEmpty()) {
            Errors error = coordinator.streams().validateOffsetFetch(streamsGroup, request.memberId(), request.memberEpoch());
            if (error != Errors.NONE) {
                return new OffsetFetchResponseData.OffsetFetchResponseGroup().setGroupId(groupId).setErrorCode(error.code());
            }
        }
        boolean byId = version >= 10;
        TopicMetadata topics = coordinator.topics();
        Map<Key, OffsetValue> committed = offsets(groupId);
        OffsetFetchResponseData.OffsetFetchResponseGroup answer = new OffsetFetchResponseData.OffsetFetchResponseGroup()
                .setGroupId(groupId).setErrorCode(Errors.NONE.code());
        if (request.topics() == null) {
            Map<String, OffsetFetchResponseData.OffsetFetchResponseTopics> byTopic = new LinkedHashMap<>();
            committed.forEach((key, value) -> {
                Uuid id = byId ? topics.id(key.topic()) : Uuid.ZERO_UUID;
                if (byId && id.equals(Uuid.ZERO_UUID)) {
                    return; // the topic is gone: it has no id to report
                }
                byTopic.computeIfAbsent(key.topic(), t -> new OffsetFetchResponseData.OffsetFetchResponseTopics()
                        .setName(t).setTopicId(id)).partitions().add(stable(groupId, key, value, requireStable));
            });
            answer.topics().addAll(byTopic.values());
            return answer;
        }
        for (OffsetFetchRequestData.OffsetFetchRequestTopics topic : request.topics()) {
            String name = byId ? topics.name(topic.topicId()).orElse(null) : topic.name();
            OffsetFetchResponseData.OffsetFetchResponseTopics out = new OffsetFetchResponseData.OffsetFetchResponseTopics()
                    .setName(topic.name()).setTopicId(byId ? topic.topicId() : Uuid.ZERO_UUID);
            for (int p : topic.partitionIndexes()) {
                if (name == null) {
                    out.partitions().add(partition(p, null, Errors.UNKNOWN_TOPIC_ID));
                } else {
                    Key key = new Key(name, p);
                    out.partitions().add(stable(groupId, key, committed.get(key), requireStable));
                }
            }
            answer.topics().add(out);
        }
        return answer;
    }

    /** The committed offset, or UNSTABLE_OFFSET_COMMIT while a transaction may still change it (KIP-447). */
    private OffsetFetchResponseData.OffsetFetchResponsePartitions stable(String groupId, Key key, OffsetValue value,
                                                                         boolean requireStable) {
        if (requireStable && coordinator.txnOffsets().isPending(groupId, key)) {
            return partition(key.partition(), null, Errors.UNSTABLE_OFFSET_COMMIT);
        }
        return partition(key.partition(), value, Errors.NONE);
    }

    private static OffsetFetchResponseData.OffsetFetchResponsePartitions partition(int index, OffsetValue value, Errors error) {
        return new OffsetFetchResponseData.OffsetFetchResponsePartitions().setPartitionIndex(index)
                .setCommittedOffset(value == null ? -1L : value.offset())
                .setCommittedLeaderEpoch(value == null ? -1 : value.leaderEpoch())
                .setMetadata(value == null ? NO_METADATA : value.metadata())
                .setErrorCode(error.code());
    }

    // ---------------------------------------------------------------- OffsetDelete

    CompletableFuture<OffsetDeleteResponseData> delete(OffsetDeleteRequestData request) {
        String groupId = request.groupId();
        OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        ClassicGroup classic = coordinator.classicGroups.get(groupId);
        ConsumerGroup consumer = coordinator.consumerGroups.get(groupId);
        StreamsGroup streamsGroup = coordinator.streamsGroups.get(groupId);
        if ((classic == null || classic.state == ClassicGroup.State.DEAD) && consumer == null && streamsGroup == null) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()));
        }
        Set<String> subscribed;
        if (streamsGroup != null) {
            subscribed = coordinator.streams().sourceTopics(streamsGroup);
        } else if (classic != null) {
            if (!classic.isEmpty() && !"consumer".equals(classic.protocolType)) {
                return CompletableFuture.completedFuture(response.setErrorCode(Errors.NON_EMPTY_GROUP.code()));
            }
            subscribed = classic.state == ClassicGroup.State.STABLE ? ConsumerSubscriptions.topics(classic) : Set.of();
        } else {
            subscribed = coordinator.consumer().subscribedTopics(consumer);
        }
        List<GroupRecords.Record> records = new ArrayList<>();
        TreeMap<Key, OffsetValue> committed = offsets.get(groupId);
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic topic : request.topics()) {
            OffsetDeleteResponseData.OffsetDeleteResponseTopic out = new OffsetDeleteResponseData.OffsetDeleteResponseTopic()
                    .setName(topic.name());
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : topic.partitions()) {
                Errors error = Errors.NONE;
                if (subscribed.contains(topic.name())) {
                    error = Errors.GROUP_SUBSCRIBED_TO_TOPIC;
                } else if (coordinator.topics().partitions(topic.name()) <= p.partitionIndex()) {
                    error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else if (committed != null && committed.remove(new Key(topic.name(), p.partitionIndex())) != null) {
                    records.add(GroupRecords.offset(groupId, topic.name(), p.partitionIndex(), null));
                }
                out.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code()));
            }
            response.topics().add(out);
        }
        if (records.isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        return coordinator.append(groupId, records).handle((ok, failure) -> failure == null ? response
                : new OffsetDeleteResponseData().setErrorCode(InternalTopicLog.coordinatorError(failure).code()));
    }

    // ---------------------------------------------------------------- retention

    /** offsets.retention.minutes: drops expired offsets, and forgets Empty groups left with none. */
    void expire(long now) {
        long retention = coordinator.config().offsetsRetentionMs();
        for (String groupId : List.copyOf(offsets.keySet())) {
            TreeMap<Key, OffsetValue> committed = offsets.get(groupId);
            ClassicGroup classic = coordinator.classicGroups.get(groupId);
            ConsumerGroup consumer = coordinator.consumerGroups.get(groupId);
            StreamsGroup streamsGroup = coordinator.streamsGroups.get(groupId);
            Long base;
            if (classic != null && classic.state == ClassicGroup.State.EMPTY && classic.protocolType != null) {
                base = classic.stateTimestamp;
            } else if (classic != null && classic.state == ClassicGroup.State.EMPTY) {
                base = null; // simple group: each offset by its commit time
            } else if (consumer != null && consumer.members.isEmpty()) {
                base = consumer.emptySince;
            } else if (streamsGroup != null && streamsGroup.members.isEmpty()) {
                base = streamsGroup.emptySince;
            } else {
                continue; // an active group keeps its offsets
            }
            List<GroupRecords.Record> records = new ArrayList<>();
            committed.entrySet().removeIf(e -> {
                long from = base != null ? Math.max(base, e.getValue().commitTimestamp()) : e.getValue().commitTimestamp();
                if (from + retention <= now) {
                    records.add(GroupRecords.offset(groupId, e.getKey().topic(), e.getKey().partition(), null));
                    return true;
                }
                return false;
            });
            if (committed.isEmpty()) {
                offsets.remove(groupId);
                records.add(GroupRecords.group(groupId, null));
                coordinator.classicGroups.remove(groupId);
                coordinator.consumerGroups.remove(groupId);
                coordinator.streamsGroups.remove(groupId);
            }
            if (!records.isEmpty()) {
                coordinator.log().info("Expired {} offsets of group {}", records.size(), groupId);
                coordinator.append(groupId, records);
            }
        }
    }
}
