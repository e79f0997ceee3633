package io.dlog.kafka.group;

import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.group.GroupRecords.OffsetValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

/**
 * Transactional offsets (TxnOffsetCommit, KIP-98/KIP-447) not yet settled: per producer id, the offsets
 * each group got inside the producer's open transaction. They are in {@code __consumer_offsets} as a
 * transactional batch already; the transaction's marker on the group's partition makes them committed
 * offsets (commit) or drops them (abort). Until then OffsetFetch with require_stable answers
 * UNSTABLE_OFFSET_COMMIT for those partitions.
 *
 * <p>Not thread-safe: runs under the group coordinator's lock.
 */
final class TxnOffsets {
    private static final short FENCED_VERSION = 3;

    private final GroupCoordinator coordinator;
    private final Map<Long, Map<String, TreeMap<OffsetManager.Key, OffsetValue>>> pending = new HashMap<>();

    TxnOffsets(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    /**
     * TxnOffsetCommit v0-4: the group is checked as OffsetCommit checks it (KIP-447: member id,
     * generation or member epoch, group instance id, when given), then the offsets are written as a
     * transactional batch of the producer; a fenced producer's batch is refused by the log.
     */
    CompletableFuture<TxnOffsetCommitResponseData> commit(short version, TxnOffsetCommitRequestData request,
                                                          io.dlog.log.VerificationGuard guard) {
        OffsetCommitRequestData asCommit = new OffsetCommitRequestData().setGroupId(request.groupId())
                .setMemberId(request.memberId()).setGenerationIdOrMemberEpoch(request.generationId())
                .setGroupInstanceId(request.groupInstanceId());
        // version 8 of OffsetCommit answers an unknown group with a generation ILLEGAL_GENERATION, as TxnOffsetCommit does
        Errors groupError = coordinator.offsets().validateCommit((short) 8, asCommit);
        if (groupError == Errors.REBALANCE_IN_PROGRESS) {
            groupError = Errors.NONE; // KIP-447: a transactional commit during a rebalance is fenced by the generation alone
        }
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        Map<OffsetManager.Key, OffsetValue> accepted = new TreeMap<>();
        List<TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition> acceptedAnswers = new ArrayList<>();
        long now = coordinator.now();
        for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic topic : request.topics()) {
            TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic answer =
                    new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(topic.name());
            response.topics().add(answer);
            for (TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition p : topic.partitions()) {
                Errors error = groupError;
                if (error == Errors.NONE && (p.partitionIndex() < 0 || p.partitionIndex() >= coordinator.topics().partitions(topic.name()))) {
                    error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else if (error == Errors.NONE && p.committedMetadata() != null
                        && p.committedMetadata().length() > coordinator.config().offsetMetadataMaxBytes()) {
                    error = Errors.OFFSET_METADATA_TOO_LARGE;
                }
                var partition = new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code());
                answer.partitions().add(partition);
                if (error == Errors.NONE) {
                    accepted.put(new OffsetManager.Key(topic.name(), p.partitionIndex()), new OffsetValue(p.committedOffset(),
                            p.committedLeaderEpoch(), p.committedMetadata() == null ? "" : p.committedMetadata(), now));
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
        return coordinator.appendTransactional(groupId, records, request.producerId(), request.producerEpoch(), guard)
                .handle((result, failure) -> {
                    synchronized (coordinator) {
                        Errors error = failure != null ? Errors.COORDINATOR_NOT_AVAILABLE
                                : result.succeeded() ? Errors.NONE : InternalTopicLog.coordinatorError(result.error());
                        if (error == Errors.INVALID_PRODUCER_EPOCH && version >= FENCED_VERSION) {
                            error = Errors.PRODUCER_FENCED;
                        }
                        if (error == Errors.NONE) {
                            add(request.producerId(), groupId, accepted);
                        }
                        for (var answer : acceptedAnswers) {
                            answer.setErrorCode(error.code());
                        }
                    }
                    return response;
                });
    }

    /** Forgets the pending offsets of the groups {@code unloaded} selects (their partition moved away). */
    void unload(java.util.function.Predicate<String> unloaded) {
        pending.values().forEach(groups -> groups.keySet().removeIf(unloaded));
        pending.values().removeIf(Map::isEmpty);
    }

    void add(long producerId, String groupId, Map<OffsetManager.Key, OffsetValue> offsets) {
        pending.computeIfAbsent(producerId, p -> new HashMap<>()).computeIfAbsent(groupId, g -> new TreeMap<>())
                .putAll(offsets);
    }

    /** Whether an offset of the group's partition waits for a transaction's outcome. */
    boolean isPending(String groupId, OffsetManager.Key key) {
        for (Map<String, TreeMap<OffsetManager.Key, OffsetValue>> groups : pending.values()) {
            TreeMap<OffsetManager.Key, OffsetValue> offsets = groups.get(groupId);
            if (offsets != null && offsets.containsKey(key)) {
                return true;
            }
        }
        return false;
    }

    boolean hasPending(String groupId) {
        for (Map<String, TreeMap<OffsetManager.Key, OffsetValue>> groups : pending.values()) {
            if (groups.containsKey(groupId)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Settles the producer's offsets of the groups living in {@code offsetsPartition}: returns, by group,
     * those to commit (empty on abort) and forgets them.
     */
    Map<String, TreeMap<OffsetManager.Key, OffsetValue>> complete(long producerId, int offsetsPartition, boolean commit,
                                                                  ToIntFunction<String> partitionOf) {
        Map<String, TreeMap<OffsetManager.Key, OffsetValue>> groups = pending.get(producerId);
        Map<String, TreeMap<OffsetManager.Key, OffsetValue>> settled = new HashMap<>();
        if (groups == null) {
            return settled;
        }
        groups.entrySet().removeIf(e -> {
            if (partitionOf.applyAsInt(e.getKey()) != offsetsPartition) {
                return false;
            }
            if (commit) {
                settled.put(e.getKey(), e.getValue());
            }
            return true;
        });
        if (groups.isEmpty()) {
            pending.remove(producerId);
        }
        return settled;
    }
}
