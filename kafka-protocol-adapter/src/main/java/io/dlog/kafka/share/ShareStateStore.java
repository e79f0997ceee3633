package io.dlog.kafka.share;

import io.dlog.kafka.coordinator.InternalTopicLog;
import io.dlog.kafka.coordinator.InternalTopics;
import io.dlog.kafka.topic.TopicService;
import io.dlog.log.PartitionLog;
import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The share coordinator's half (KIP-932): each share-partition's persisted state, kept in
 * {@code __share_group_state} at the partition {@code abs(hash("group:topicId:partition")) % partitions}
 * (Kafka's placement), served by the leader of that partition. Its loader thread creates the topic on first
 * use (or adopts it at start when it exists), then follows leadership: every 250 ms it replays the
 * partitions this node has come to lead and forgets those it lost.
 *
 * <p>Thread-safety: this object's monitor guards the maps; methods do in-memory work under it and hand writes
 * to the log (appends never block; they are issued under the monitor so one key's snapshots reach the log in
 * the order they were taken). Replays run on the loader thread, outside the monitor.
 */
final class ShareStateStore {
    private static final Logger LOG = LoggerFactory.getLogger(ShareStateStore.class);
    private static final long LEADERSHIP_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** A read's outcome: the state (null when none was ever written) or why this node cannot answer. */
    record Read(Errors error, ShareStateRecords.ShareState state) {
    }

    private final TopicService topics;
    private final Clock clock;
    private final ShareConfig config;
    private final BooleanSupplier stopped;
    private volatile int partitions = -1;
    private volatile boolean wanted;
    private volatile Thread loader;
    private final Map<Integer, Map<SharePartitionKey, ShareStateRecords.ShareState>> loaded = new HashMap<>();
    /**
     * Per loaded partition, the highest leader epoch seen for each share-partition (from its state, reads and
     * writes): a share-partition leader below it has been replaced and is fenced (Kafka's leaderEpochMap).
     */
    private final Map<Integer, Map<SharePartitionKey, Integer>> leaderEpochs = new HashMap<>();

    private ShareStateStore(TopicService topics, Clock clock, ShareConfig config, BooleanSupplier stopped) {
        this.topics = topics;
        this.clock = clock;
        this.config = config;
        this.stopped = stopped;
    }

    /** Starts the loader thread; the topic is created when a share group first needs it. */
    static ShareStateStore start(TopicService topics, Clock clock, ShareConfig config, BooleanSupplier stopped) {
        ShareStateStore store = new ShareStateStore(topics, clock, config, stopped);
        Thread t = new Thread(store::run, "dlog-share-state-loader");
        t.setDaemon(true);
        store.loader = t;
        t.start();
        return store;
    }

    private void run() {
        try {
            while (!stopped.getAsBoolean() && !wanted && !topicExists()) {
                LockSupport.parkNanos(LEADERSHIP_CHECK_NANOS);
            }
            if (stopped.getAsBoolean()) {
                return;
            }
            partitions = InternalTopicLog.open(topics, InternalTopics.SHARE_GROUP_STATE, config.statePartitions(),
                    config.stateReplicationFactor(), Map.of("segment.bytes", Integer.toString(100 * 1024 * 1024),
                            "min.insync.replicas", Integer.toString(config.stateMinIsr())), stopped);
            while (!stopped.getAsBoolean()) {
                followLeadership();
                LockSupport.parkNanos(LEADERSHIP_CHECK_NANOS);
            }
        } catch (IOException | RuntimeException e) {
            if (stopped.getAsBoolean()) {
                LOG.debug("Broker stopped while the share state loaded", e);
            } else {
                LOG.error("Loading {} failed; share groups will be refused", InternalTopics.SHARE_GROUP_STATE, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean topicExists() {
        return topics.isCaughtUp() && topics.image().topic(InternalTopics.SHARE_GROUP_STATE).isPresent();
    }

    private void followLeadership() throws IOException {
        for (int p = 0; p < partitions; p++) {
            Optional<PartitionLog> log = topics.partition(InternalTopics.SHARE_GROUP_STATE, p);
            boolean served;
            synchronized (this) {
                served = loaded.containsKey(p);
            }
            if (log.isPresent() && !served && log.get().highWatermark() >= log.get().logEndOffset()) {
                // A new leader's high watermark may trail the records its predecessor had committed (and
                // answered acknowledgements for) until its followers fetch again: load once it has them all.
                Map<SharePartitionKey, ShareStateRecords.ShareState> states = replay(log.get());
                LOG.info("Loaded {} share-partitions from {}-{} up to offset {}", states.size(),
                        InternalTopics.SHARE_GROUP_STATE, p, log.get().highWatermark());
                Map<SharePartitionKey, Integer> epochs = new HashMap<>();
                states.forEach((key, state) -> epochs.put(key, state.leaderEpoch()));
                synchronized (this) {
                    loaded.put(p, states);
                    leaderEpochs.put(p, epochs);
                }
            } else if (log.isEmpty() && served) {
                LOG.info("No longer the leader of {}-{}: its share-partitions move", InternalTopics.SHARE_GROUP_STATE, p);
                synchronized (this) {
                    loaded.remove(p);
                    leaderEpochs.remove(p);
                }
            }
        }
    }

    private static Map<SharePartitionKey, ShareStateRecords.ShareState> replay(PartitionLog log) throws IOException {
        Map<SharePartitionKey, ShareStateRecords.ShareState> states = new HashMap<>();
        InternalTopicLog.replay(log, (batch, record) -> {
            ShareStateRecords.Key key = ShareStateRecords.readKey(record.key());
            if (key == null) {
                return;
            }
            if (!record.hasValue()) {
                if (key.type() == ShareStateRecords.SNAPSHOT) {
                    states.remove(key.partition());
                }
                return;
            }
            if (key.type() == ShareStateRecords.SNAPSHOT) {
                states.put(key.partition(), ShareStateRecords.readSnapshot(record.value()));
            } else {
                ShareStateRecords.ShareState previous = states.get(key.partition());
                if (previous != null) {
                    states.put(key.partition(), ShareStateRecords.applyUpdate(previous, record.value()));
                }
            }
        });
        return states;
    }

    /** Wakes the loader: the topic is needed now. */
    private void want() {
        if (!wanted) {
            wanted = true;
            Thread t = loader;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    int partitionFor(SharePartitionKey key) {
        return partitionFor(key, partitions);
    }

    /** Kafka's placement: {@code abs(hash("group:topicId:partition")) % partitions}. */
    static int partitionFor(SharePartitionKey key, int partitions) {
        int h = key.coordinatorKey().hashCode();
        return (h == Integer.MIN_VALUE ? 0 : Math.abs(h)) % partitions;
    }

    /** Why the state of {@code key} cannot be read or written here now; NONE when it can. */
    private Errors availability(SharePartitionKey key) {
        if (partitions < 0) {
            want();
            return Errors.COORDINATOR_LOAD_IN_PROGRESS;
        }
        int p = partitionFor(key);
        if (loaded.containsKey(p)) {
            return Errors.NONE;
        }
        return topics.partition(InternalTopics.SHARE_GROUP_STATE, p).isPresent() ? Errors.COORDINATOR_LOAD_IN_PROGRESS
                : Errors.NOT_COORDINATOR;
    }

    /** Reads without a leader epoch (the admin paths): never fenced, records nothing. */
    synchronized Read read(SharePartitionKey key) {
        return read(key, -1);
    }

    /**
     * ReadShareGroupState: the state of {@code key} for its share-partition leader at {@code leaderEpoch}
     * (-1: none). As Kafka's share coordinator, an epoch below the highest seen is FENCED_LEADER_EPOCH, and a
     * higher one is recorded, so the writes of the leader it replaced are refused from now on.
     */
    synchronized Read read(SharePartitionKey key, int leaderEpoch) {
        Errors error = availability(key);
        if (error != Errors.NONE) {
            return new Read(error, null);
        }
        int p = partitionFor(key);
        if (leaderEpoch >= 0) {
            Map<SharePartitionKey, Integer> epochs = leaderEpochs.get(p);
            Integer seen = epochs.get(key);
            if (seen != null && seen > leaderEpoch) {
                return new Read(Errors.FENCED_LEADER_EPOCH, null);
            }
            epochs.put(key, leaderEpoch);
        }
        return new Read(Errors.NONE, loaded.get(p).get(key));
    }

    /**
     * WriteShareGroupState: merges {@code batches} into the state of {@code key} (they replace the offsets they
     * cover; offsets below the start offset are dropped; -1 for an epoch or the start offset keeps the stored
     * one) and writes the whole result as a ShareSnapshot record; completes once it is durable and committed.
     * Refused, as by Kafka's share coordinator, with FENCED_LEADER_EPOCH when a newer share-partition leader
     * has read or written the state, FENCED_STATE_EPOCH when the state was re-initialized since the writer read
     * it; fails with NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS when this node does not hold the state now.
     */
    synchronized CompletableFuture<Void> write(SharePartitionKey key, int stateEpoch, int leaderEpoch, long startOffset,
                                              List<SharePartition.StateBatch> batches) {
        Errors error = writeError(key, stateEpoch, leaderEpoch);
        if (error != Errors.NONE) {
            return CompletableFuture.failedFuture(error.exception());
        }
        int p = partitionFor(key);
        ShareStateRecords.ShareState previous = loaded.get(p).get(key);
        int newLeaderEpoch = leaderEpoch >= 0 || previous == null ? leaderEpoch : previous.leaderEpoch();
        int newStateEpoch = stateEpoch >= 0 || previous == null ? stateEpoch : previous.stateEpoch();
        long newStart = startOffset >= 0 || previous == null ? startOffset : previous.startOffset();
        List<SharePartition.StateBatch> merged = ShareStateRecords.merge(previous == null ? List.of() : previous.batches(),
                batches, newStart);
        if (leaderEpoch >= 0) {
            leaderEpochs.get(p).put(key, leaderEpoch);
        }
        return append(key, previous, newStateEpoch, newLeaderEpoch, newStart, merged);
    }

    private Errors writeError(SharePartitionKey key, int stateEpoch, int leaderEpoch) {
        Errors error = availability(key);
        if (error != Errors.NONE) {
            return error;
        }
        int p = partitionFor(key);
        Integer seenLeader = leaderEpochs.get(p).get(key);
        if (seenLeader != null && seenLeader > leaderEpoch) {
            return Errors.FENCED_LEADER_EPOCH;
        }
        ShareStateRecords.ShareState previous = loaded.get(p).get(key);
        return previous != null && previous.stateEpoch() > stateEpoch ? Errors.FENCED_STATE_EPOCH : Errors.NONE;
    }

    /**
     * InitializeShareGroupState: starts the state of {@code key} afresh at {@code startOffset} with state epoch
     * {@code stateEpoch} and no in-flight records (a reset of the group's offsets); FENCED_STATE_EPOCH when the
     * stored state epoch is higher.
     */
    synchronized CompletableFuture<Void> initialize(SharePartitionKey key, int stateEpoch, long startOffset) {
        Errors error = availability(key);
        if (error != Errors.NONE) {
            return CompletableFuture.failedFuture(error.exception());
        }
        ShareStateRecords.ShareState previous = loaded.get(partitionFor(key)).get(key);
        if (previous != null && previous.stateEpoch() > stateEpoch) {
            return CompletableFuture.failedFuture(Errors.FENCED_STATE_EPOCH.exception());
        }
        return append(key, previous, stateEpoch, previous == null ? -1 : previous.leaderEpoch(), startOffset, List.of());
    }

    private CompletableFuture<Void> append(SharePartitionKey key, ShareStateRecords.ShareState previous, int stateEpoch,
                                           int leaderEpoch, long startOffset, List<SharePartition.StateBatch> batches) {
        int p = partitionFor(key);
        long now = clock.millis();
        ShareStateRecords.ShareState next = new ShareStateRecords.ShareState(
                previous == null ? 0 : previous.snapshotEpoch() + 1, stateEpoch, leaderEpoch, startOffset,
                previous == null ? now : previous.createTimestamp(), List.copyOf(batches));
        loaded.get(p).put(key, next);
        return InternalTopicLog.appendOrFail(topics, InternalTopics.SHARE_GROUP_STATE, p, now, List.of(
                new InternalTopicLog.KeyValue(ShareStateRecords.snapshotKey(key), ShareStateRecords.snapshotValue(next, now))));
    }

    /** Deletes the state of the share-partitions (a tombstone each); completes once durable. */
    synchronized CompletableFuture<Void> delete(Set<SharePartitionKey> keys) {
        CompletableFuture<?>[] writes = new CompletableFuture<?>[keys.size()];
        int i = 0;
        for (SharePartitionKey key : keys) {
            Errors error = availability(key);
            if (error != Errors.NONE) {
                return CompletableFuture.failedFuture(error.exception());
            }
            int p = partitionFor(key);
            loaded.get(p).remove(key);
            leaderEpochs.get(p).remove(key);
            writes[i++] = InternalTopicLog.appendOrFail(topics, InternalTopics.SHARE_GROUP_STATE, p, clock.millis(),
                    List.of(new InternalTopicLog.KeyValue(ShareStateRecords.snapshotKey(key), null)));
        }
        return CompletableFuture.allOf(writes);
    }

    /** The share-partitions of a group whose state this node holds. */
    synchronized Map<SharePartitionKey, ShareStateRecords.ShareState> groupStates(String groupId) {
        Map<SharePartitionKey, ShareStateRecords.ShareState> result = new HashMap<>();
        for (Map<SharePartitionKey, ShareStateRecords.ShareState> states : loaded.values()) {
            states.forEach((k, v) -> {
                if (k.groupId().equals(groupId)) {
                    result.put(k, v);
                }
            });
        }
        return result;
    }

    /** The groups with state on this node (share groups that exist though no member is connected). */
    synchronized Set<String> groupIds() {
        Set<String> ids = new HashSet<>();
        loaded.values().forEach(states -> states.keySet().forEach(k -> ids.add(k.groupId())));
        return ids;
    }

    /** Whether every partition this node leads is loaded (admin reads then see everything held here). */
    synchronized boolean isReady() {
        if (partitions < 0) {
            return !topicExists(); // no topic: no share group has state yet
        }
        for (int p = 0; p < partitions; p++) {
            if (!loaded.containsKey(p) && topics.partition(InternalTopics.SHARE_GROUP_STATE, p).isPresent()) {
                return false;
            }
        }
        return true;
    }
}
